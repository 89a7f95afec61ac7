//! The burst rows: 600 overlapping clients, the provider answering in 50
//! ms; failed requests for `pbx-host serve` and `wasmtime serve`.

use super::common::*;

const BURST: usize = 600;

/// `BURST` clients at once, each on its own connection with one request;
/// the failed ones (an error or a status but 200), their kinds, and the
/// slowest answer.
async fn burst(route: &str) -> Result<(usize, Vec<String>, Duration)> {
    let uri: hyper::Uri = route.parse()?;
    let addr = format!("{}:{}", uri.host().unwrap_or("127.0.0.1"), uri.port_u16().unwrap_or(80));
    let start = Arc::new(tokio::sync::Barrier::new(BURST));
    let mut tasks = Vec::new();
    for _ in 0..BURST {
        let (uri, addr, start) = (uri.clone(), addr.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let t = Instant::now();
            let outcome = async {
                let stream = TcpStream::connect(&addr).await?;
                let (mut send, conn) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
                tokio::spawn(conn);
                let req = hyper::Request::post(uri)
                    .header("host", addr.as_str())
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from_static(b"{}")))?;
                let resp = send.send_request(req).await?;
                let status = resp.status();
                let body = resp.into_body().collect().await?.to_bytes();
                Ok::<_, anyhow::Error>((status, body))
            }
            .await;
            let failure = match outcome {
                Ok((status, _)) if status == 200 => None,
                Ok((status, body)) => Some(format!("{status} {}", String::from_utf8_lossy(&body))),
                Err(e) => Some(format!("{e:#}")),
            };
            (failure, t.elapsed())
        }));
    }
    let (mut failed, mut kinds, mut slowest) = (0, Vec::<String>::new(), Duration::ZERO);
    for task in tasks {
        let (failure, took) = task.await?;
        slowest = slowest.max(took);
        if let Some(f) = failure {
            failed += 1;
            let kind: String = f.chars().take(120).collect();
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    Ok((failed, kinds, slowest))
}

/// 600 overlapping clients, the provider answering in 50 ms: `pbx-host
/// serve` (target: none failed) and, for the record, `wasmtime serve`.
pub(super) async fn burst_rows(rows: &mut Vec<Row>) -> Result<()> {
    let mock = MockProvider::always(MockResponse::json(200, ONLINE).delayed(Duration::from_millis(50))).unrecorded();
    let standin = host_test::kit::standin::mock(mock, "127.0.0.1:0".parse()?).await?;
    let env = settings(&standin.base);
    let rounds = if quick() { 1 } else { 3 };
    let mut servers = vec![("pbx-host serve --real", Some(Served::pbx_host(&env, &[]).await?))];
    servers.push(("wasmtime serve (a new connection per provider request)", Served::wasmtime(&env).await?));
    for (name, served) in servers {
        let label = format!("gateway, {BURST} overlapping clients, provider answering in 50 ms: {name}");
        let Some(served) = served else {
            rows.push(Row {
                what: label,
                value: "not run: no wasmtime CLI under target/tools".into(),
                target: "-".into(),
            });
            continue;
        };
        let (mut failed, mut kinds, mut slowest) = (0, Vec::new(), Duration::ZERO);
        for _ in 0..rounds {
            let (f, k, s) = burst(&served.route()).await?;
            failed += f;
            slowest = slowest.max(s);
            for k in k {
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
            }
        }
        drop(served);
        for k in &kinds {
            println!("{name}: failure: {k}");
        }
        let total = rounds * BURST;
        let value = format!("{failed} of {total} failed, slowest answer {}", fmt(slowest));
        let ours = name.starts_with("pbx-host");
        rows.push(Row {
            what: label,
            value,
            target: if ours { verdict(failed == 0, format!("{failed} failed")) } else { "reported".into() },
        });
    }
    Ok(())
}
