//! The TLS rows: a provider 20 ms away (a TLS stand-in behind a relay that
//! delays each direction), the gateway against a native keep-alive client.

use super::common::*;

/// The round trip the TLS rows put between client and provider, half each way.
const ONE_WAY: Duration = Duration::from_millis(10);
/// The TLS rows' targets: the gateway's p50 at most this many times the
/// native client's, its throughput at least this share of native.
const TLS_P50_TARGET: f64 = 1.10;
const TLS_RATE_TARGET: f64 = 0.9;
const TLS_CONCURRENCY: usize = 16;

/// A TLS stand-in for `localhost` (a private CA's certificate, made here
/// with rcgen; ALPN `h2` then `http/1.1`) answering Ringostat's `GET
/// /sipstatus/online` when `Auth-key` matches. Returns its address, the
/// CA (PEM and DER), and the count of requests that came over HTTP/2 and in
/// all.
async fn tls_standin() -> Result<TlsStandin> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key)?;
    let leaf_key = KeyPair::generate()?;
    let leaf = CertificateParams::new(vec!["localhost".to_string()])?.signed_by(&leaf_key, &ca, &ca_key)?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let counts = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let seen = counts.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = tcp.set_nodelay(true);
            let (acceptor, seen) = (acceptor.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    seen[0].fetch_add(usize::from(req.version() == http::Version::HTTP_2), Ordering::Relaxed);
                    seen[1].fetch_add(1, Ordering::Relaxed);
                    let ok = req.method() == hyper::Method::GET
                        && req.uri().path() == "/sipstatus/online"
                        && req.headers().get("auth-key").is_some_and(|v| v == AUTH_KEY);
                    let (status, body) = if ok { (200, ONLINE) } else { (401, r#"{"message":"Unauthorized"}"#) };
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from_static(body.as_bytes())))
                                .expect("static response"),
                        )
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Ok(TlsStandin { addr, ca_pem: ca.pem(), ca_der: ca.der().clone(), versions: counts })
}

struct TlsStandin {
    addr: SocketAddr,
    ca_pem: String,
    ca_der: rustls::pki_types::CertificateDer<'static>,
    /// Requests over HTTP/2, and in all.
    versions: Arc<[AtomicUsize; 2]>,
}

/// A TCP relay to `upstream` that delays every chunk by `delay` in each
/// direction (the kernel here has no netem). Chunks keep their order and
/// their spacing; nothing waits for an earlier chunk's delay to pass before
/// reading the next. Returns its port and the count of connections.
async fn delaying_relay(upstream: SocketAddr, delay: Duration) -> Result<(u16, Arc<AtomicUsize>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        while let Ok((down, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let Ok(up) = TcpStream::connect(upstream).await else { return };
                let _ = (down.set_nodelay(true), up.set_nodelay(true));
                let (dr, dw) = down.into_split();
                let (ur, uw) = up.into_split();
                tokio::spawn(delayed_copy(dr, uw, delay));
                tokio::spawn(delayed_copy(ur, dw, delay));
            });
        }
    });
    Ok((port, connections))
}

async fn delayed_copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((at, chunk)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || tx.send((tokio::time::Instant::now() + delay, buf[..n].to_vec())).is_err() {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

type TlsClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Full<Bytes>,
>;

/// The native client: hyper-util's pooled keep-alive client over rustls
/// (ring), trusting the stand-in's CA, ALPN `h2` and `http/1.1`, no Nagle
/// delay (as the shipped transport).
fn tls_client(ca: rustls::pki_types::CertificateDer<'static>) -> Result<TlsClient> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca)?;
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_all_versions()
        .wrap_connector(http);
    Ok(hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(https))
}

/// One request of either TLS-row client, timed, its answer read whole.
#[derive(Clone)]
enum TlsTarget {
    /// The provider request itself, through the relay.
    Native(TlsClient, String),
    /// `POST /v1/ringostat/sip-online` to the served gateway.
    Gateway(PooledClient, Target),
}

impl TlsTarget {
    async fn call(&self) -> Result<Duration> {
        let t = Instant::now();
        match self {
            TlsTarget::Native(client, url) => {
                let req =
                    hyper::Request::get(url.as_str()).header("Auth-key", AUTH_KEY).body(Full::new(Bytes::new()))?;
                let resp = client.request(req).await?;
                ensure!(resp.status() == 200, "native: status {}", resp.status());
                let body = resp.into_body().collect().await?.to_bytes();
                let _: Vec<String> = serde_json::from_slice(&body)?;
            }
            TlsTarget::Gateway(client, target) => return target.call(client).await,
        }
        Ok(t.elapsed())
    }
}

/// Requests/s of `total` requests from `workers` tasks, one request after
/// another in each.
async fn tls_round(target: &TlsTarget, workers: usize, total: usize) -> Result<f64> {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            for _ in (w..total).step_by(workers) {
                target.call().await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(total as f64 / t.elapsed().as_secs_f64())
}

/// A TLS provider 20 ms away: the native keep-alive client and the shipped
/// gateway, each through its own delaying relay to the one stand-in.
pub(super) async fn tls_rows(rows: &mut Vec<Row>) -> Result<()> {
    let TlsStandin { addr: standin, ca_pem, ca_der, versions } = tls_standin().await?;
    let (native_port, native_conns) = delaying_relay(standin, ONE_WAY).await?;
    let (gateway_port, gateway_conns) = delaying_relay(standin, ONE_WAY).await?;
    let dir = std::env::temp_dir().join(format!("pbx-bench-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_pem)?;
    let base = format!("https://localhost:{gateway_port}");
    let mut env = settings(&base);
    env.push(("SSL_CERT_FILE", ca_file.display().to_string()));
    let served = Served::pbx_host(&env, &[]).await;
    let _ = std::fs::remove_dir_all(&dir);
    let served = served?;
    let targets = [
        TlsTarget::Native(tls_client(ca_der)?, format!("https://localhost:{native_port}/sipstatus/online")),
        TlsTarget::Gateway(pooled_client(), served.target("gateway")),
    ];
    for t in &targets {
        for _ in 0..5 {
            t.call().await?;
        }
    }
    // p50 at 1, alternating blocks of 10.
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..runs(300).div_ceil(10) {
        for (t, v) in targets.iter().zip(&mut times) {
            for _ in 0..10 {
                v.push(t.call().await?);
            }
        }
    }
    // Throughput at 16, alternating rounds; the first warms 16 connections.
    let mut rates = [Vec::new(), Vec::new()];
    for r in 0..4 {
        for (t, v) in targets.iter().zip(&mut rates) {
            let rate = tls_round(t, TLS_CONCURRENCY, runs(1_600)).await?;
            if r > 0 || quick() {
                v.push(rate);
            }
        }
    }
    let [native_times, gateway_times] = times;
    let (native_p50, gateway_p50) = (median(native_times), median(gateway_times));
    let [native_rates, gateway_rates] = rates;
    let (native_rate, gateway_rate) = (median_f64(native_rates), median_f64(gateway_rates));
    drop(served);
    let (h2, all) = (versions[0].load(Ordering::Relaxed), versions[1].load(Ordering::Relaxed));
    let how = format!(
        "provider requests over HTTP/2: {h2} of {all}; connections: native {}, gateway {}",
        native_conns.load(Ordering::Relaxed),
        gateway_conns.load(Ordering::Relaxed)
    );
    let label = "gateway, TLS provider at a 20 ms round trip";
    let r = gateway_p50.as_secs_f64() / native_p50.as_secs_f64();
    rows.push(Row {
        what: format!("{label}, p50 at 1: native hyper-util + rustls keep-alive"),
        value: fmt(native_p50),
        target: "-".into(),
    });
    rows.push(Row {
        what: format!("{label}, p50 at 1: pbx-host serve --real"),
        value: format!("{} ({r:.3}x native)", fmt(gateway_p50)),
        target: verdict(r <= TLS_P50_TARGET, format!("{r:.3}x, over the {TLS_P50_TARGET}x target")),
    });
    let share = gateway_rate / native_rate;
    rows.push(Row {
        what: format!("{label}, throughput at {TLS_CONCURRENCY}: native hyper-util + rustls keep-alive"),
        value: format!("{native_rate:.0} req/s"),
        target: "-".into(),
    });
    rows.push(Row {
        what: format!("{label}, throughput at {TLS_CONCURRENCY}: pbx-host serve --real"),
        value: format!("{gateway_rate:.0} req/s ({share:.3}x native)"),
        target: verdict(share >= TLS_RATE_TARGET, format!("{share:.3}x, under the {TLS_RATE_TARGET}x target")),
    });
    rows.push(Row { what: format!("{label}: transport"), value: how, target: "-".into() });
    Ok(())
}
