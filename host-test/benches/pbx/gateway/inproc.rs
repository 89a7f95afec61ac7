//! The gateway's own work per request, without sockets: `Gateway::handle`
//! called in a loop in this thread (warm instances, as `serve` runs them),
//! the provider a hook answering `sip-online` at once. What is left is the
//! component's code and its host calls, free of the thread wakes and the
//! machine's idle states that dominate the loopback rows at 1 connection
//! (BENCHMARKS.md: on this VM those moved the same binary's loopback p50
//! between 170 and 290 us from one run to the next; these rows move by a
//! few percent, so they compare builds of the gateway).

use super::common::*;
use host_test::instances::Reuse;
use host_test::serve::{gateway_path, Gateway, ServeOptions};
use host_test::{FnHook, Host, HostOptions, Transport};

/// Requests per timed block; the blocks of the builds alternate.
const BLOCK: usize = 1_000;

/// The in-process rows: the shipped gateway against the floor component.
pub(crate) async fn rows(rows: &mut Vec<Row>) -> Result<()> {
    let blocks = if quick() { 3 } else { 20 };
    let times = per_request(&[gateway_path(), floor_component()?], blocks, &Answer::Online).await?;
    let library = library_alone(blocks).await?;
    let errors = per_request(&[gateway_path()], blocks, &Answer::NotFound).await?;
    let label = "gateway, in process (sip-online, warm, a hook answering at once), per request";
    rows.push(Row { what: format!("{label}: pbx_gateway.wasm"), value: fmt(times[0]), target: "-".into() });
    rows.push(Row {
        what: format!("{label}: the floor component"),
        value: format!("{} (gateway/floor {:.2}x)", fmt(times[1]), times[0].as_secs_f64() / times[1].as_secs_f64()),
        target: "-".into(),
    });
    rows.push(Row {
        what: format!("{label}: the library alone (ringostat.sip-online on a reused instance, the same hook)"),
        value: fmt(library),
        target: "-".into(),
    });
    rows.push(Row {
        what: "gateway, in process, per request: pbx_gateway.wasm, the provider answering 404 (an error, redacted, as a 404 problem)"
            .into(),
        value: format!("{} (/answer {:.2}x)", fmt(errors[0]), errors[0].as_secs_f64() / times[0].as_secs_f64()),
        target: "-".into(),
    });
    Ok(())
}

/// `PBX_BENCH_GATEWAYS="a.wasm b.wasm ..."`: the time per request of each
/// build, in one run (20 alternating blocks each).
pub(crate) async fn compare(paths: &[PathBuf]) -> Result<()> {
    println!("{:>12}  the library alone (reused instance, the same hook)", fmt(library_alone(20).await?));
    for (p, t) in paths.iter().zip(per_request(paths, 20, &Answer::Online).await?) {
        println!("{:>12}  {}", fmt(t), p.display());
    }
    for (p, t) in paths.iter().zip(per_request(paths, 20, &Answer::NotFound).await?) {
        println!("{:>12}  {} (the provider answering 404)", fmt(t), p.display());
    }
    Ok(())
}

/// The library alone for comparison: `sip-online` called on one reused
/// instance through the same hook (what the gateway's call of it would
/// cost without the HTTP face and the composition around it).
async fn library_alone(blocks: usize) -> Result<Duration> {
    use host_test::bindings::exports::telephony::pbx::ringostat::Config;
    let host = Host::load(&host_test::component_path(), &HostOptions::fast())?;
    let (mut store, ringostat) = host.ringostat(hook(&Answer::Online)).await?;
    let cfg = Config {
        auth_key: AUTH_KEY.into(),
        base_url: Some("http://127.0.0.1:9".into()),
        timeout_ms: None,
        max_body_bytes: None,
    };
    let _ticker = Ticker::start();
    let mut times = Vec::new();
    for _ in 0..blocks {
        let start = Instant::now();
        for _ in 0..BLOCK {
            ringostat.call_sip_online(&mut store, &cfg).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        times.push(start.elapsed() / BLOCK as u32);
    }
    Ok(median(times))
}

/// A timer due sooner than any the gateway sets, as a server's connection
/// timers are (header, body, idle), aborted when dropped. Without one, the
/// gateway's 30 s deadline was the runtime's earliest timer, and tokio
/// wakes its driver (an eventfd write) whenever a new earliest timer is
/// set: 8 us per request here that a server does not pay (strace: `pbx-host
/// serve` made no such write per gateway request).
struct Ticker(tokio::task::JoinHandle<()>);

impl Ticker {
    fn start() -> Ticker {
        Ticker(tokio::spawn(async {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the provider answers.
enum Answer {
    /// `sip-online`'s answer.
    Online,
    /// A `404` whose message quotes the key (so redaction has work).
    NotFound,
}

/// The `404` body: a message quoting the call's key ([`AUTH_KEY`]), as a
/// provider may ([`call`] checks it comes back redacted).
const NOT_FOUND: &str = r#"{"message":"Not found: the key bench-key is unknown"}"#;

/// The provider: `answer`, at once.
fn hook(answer: &Answer) -> Transport {
    let (status, body) = match answer {
        Answer::Online => (200, ONLINE),
        Answer::NotFound => (404, NOT_FOUND),
    };
    Transport::Hook(Arc::new(FnHook::new("inproc-standin", move |_request, _options| async move {
        Ok(hyper::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .header("content-length", body.len().to_string())
            .body(full_body(Bytes::from_static(body.as_bytes())))
            .expect("a valid response"))
    })))
}

/// The request the loopback rows send.
fn request() -> hyper::Request<Full<Bytes>> {
    hyper::Request::builder()
        .method("POST")
        .uri(format!("http://gateway{ROUTE}"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .header("content-length", "2")
        .body(Full::new(Bytes::from_static(b"{}")))
        .expect("a valid request")
}

/// Loads each component as a gateway (a host each: gateways on one host
/// share its warm pool) and times `handle` in `blocks` alternating blocks
/// of [`BLOCK`], the provider answering `answer`; the median time per
/// request of each.
async fn per_request(paths: &[PathBuf], blocks: usize, answer: &Answer) -> Result<Vec<Duration>> {
    let opts = HostOptions { reuse: Some(Reuse::default()), ..HostOptions::fast() };
    let env: Vec<(String, String)> = settings("http://127.0.0.1:9").into_iter().map(|(k, v)| (k.into(), v)).collect();
    let mut gateways = Vec::new();
    for p in paths {
        let host = Host::load(&host_test::component_path(), &opts)?;
        gateways.push(Arc::new(Gateway::load(&host, p, &opts, ServeOptions::new(env.clone(), hook(answer)))?));
    }
    let mut expected = None;
    for (g, p) in gateways.iter().zip(paths) {
        let got = call(g, answer).await?;
        let first = expected.get_or_insert_with(|| got.clone());
        ensure!(got == *first, "{} answered {got:?}, the first build {first:?}", p.display());
        for _ in 0..200 {
            call(g, answer).await?;
        }
    }
    let _ticker = Ticker::start();
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); gateways.len()];
    for _ in 0..blocks {
        for (g, t) in gateways.iter().zip(&mut times) {
            let start = Instant::now();
            for _ in 0..BLOCK {
                call(g, answer).await?;
            }
            t.push(start.elapsed() / BLOCK as u32);
        }
    }
    Ok(times.into_iter().map(median).collect())
}

/// One request through `handle`: its answer's body, read whole, after
/// checking its status is the one `answer` makes (`200`, or the `404`
/// problem with the key redacted).
async fn call(g: &Arc<Gateway>, answer: &Answer) -> Result<Bytes> {
    let response = g.handle(request()).await;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.map_err(|e| anyhow::anyhow!("{e:?}"))?.to_bytes();
    match answer {
        Answer::Online => ensure!(status == 200, "status {status}: {body:?}"),
        Answer::NotFound => {
            let text = String::from_utf8_lossy(&body);
            ensure!(status == 404 && text.contains("[redacted]") && !text.contains(AUTH_KEY), "{status}: {text}");
        }
    }
    Ok(body)
}
