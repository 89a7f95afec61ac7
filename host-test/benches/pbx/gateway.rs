//! The HTTP gateway (`pbx-host serve`) against a native Rust proxy doing the
//! same translation, for one route: `POST /v1/ringostat/sip-online` on the
//! server-held credentials (`PBX_GATEWAY_TOKEN`, `PBX_RINGOSTAT_AUTH_KEY`,
//! `PBX_RINGOSTAT_BASE_URL`), answered `200 {"ok": [...]}`.
//!
//! Four targets, all on loopback, all driven by one keep-alive client:
//! - **direct**: the provider request itself (`GET /sipstatus/online`,
//!   `Auth-key`) sent to the stand-in, the floor under both proxies;
//! - **native proxy**: a hyper HTTP/1.1 server in this process that checks
//!   the token, path, method and content type, reads the body as a JSON
//!   object without `cfg`, calls the stand-in over a keep-alive pool,
//!   decodes the list and answers exactly what the gateway answers
//!   (asserted byte for byte once at the start);
//! - **gateway, warm**: [`Gateway`] + [`Server`] as `pbx-host serve` runs
//!   them (pooling engine, warm reuse of up to `Reuse::default()` requests
//!   per instance), with a keep-alive transport to the stand-in;
//! - **gateway, fresh**: the same with reuse off (an instance per request).
//!
//! Latency at concurrency 1 runs in alternating blocks of 100 requests per
//! target; concurrency 64 (64 tasks) in alternating rounds, the targets one
//! after another in each round. `PBX_BENCH_PROFILE_GATEWAY=<0..3>` (with
//! `PBX_BENCH_ONLY=gateway`) only loops on one target, for a profiler.

use super::{fmt, median, median_f64, quick, runs, start_server, verdict, Row, ONLINE};
use anyhow::{ensure, Result};
use bytes::Bytes;
use host_test::instances::Reuse;
use host_test::kit::mock::{MockProvider, MockResponse};
use host_test::serve::{gateway_path, Gateway, ServeOptions, Server};
use host_test::transport::{full_body, pooled_client, PooledClient};
use host_test::{cache, Host, HostOptions, Transport};
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

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

/// The gateway as `pbx-host serve` loads it, its provider calls sent to
/// `base` through `transport`.
fn load_gateway(base: &str, reuse: Option<Reuse>, transport: Transport) -> Result<Arc<Gateway>> {
    let opts = HostOptions { pooling: true, cache_dir: Some(cache::default_dir()), reuse, ..HostOptions::default() };
    let host = Host::load(&host_test::component_path(), &opts)?;
    let env = [("PBX_GATEWAY_TOKEN", TOKEN), ("PBX_RINGOSTAT_AUTH_KEY", AUTH_KEY), ("PBX_RINGOSTAT_BASE_URL", base)];
    let serve = ServeOptions::new(env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), transport);
    Ok(Arc::new(Gateway::load(&host, &gateway_path(), &opts, serve)?))
}

/// `pbx-host serve` on a loopback port, its transport pooled to `base`.
async fn start_gateway(base: &str, reuse: Option<Reuse>) -> Result<Server> {
    let gateway = load_gateway(base, reuse, super::shipped_transport()?)?;
    Server::start(gateway, "127.0.0.1:0".parse()?).await
}

/// The median of [`Gateway::handle`] called in process (no sockets) with
/// the mock provider: what the gateway costs without any HTTP on either side.
async fn in_process(reuse: Option<Reuse>) -> Result<Duration> {
    let mock = MockProvider::always(MockResponse::json(200, ONLINE)).unrecorded();
    let gateway = load_gateway("http://127.0.0.1:1", reuse, Transport::Mock(mock))?;
    let (warmup, n) = (runs(200), runs(3_000));
    let mut times = Vec::with_capacity(n);
    for i in 0..warmup + n {
        let req = http::Request::post(format!("http://127.0.0.1{ROUTE}"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .header("content-length", "2")
            .body(full_body(Bytes::from_static(b"{}")))?;
        let t = Instant::now();
        let resp = gateway.handle(req).await;
        ensure!(resp.status() == 200, "in process: status {}", resp.status());
        resp.into_body().collect().await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        if i >= warmup {
            times.push(t.elapsed());
        }
    }
    Ok(median(times))
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

/// Appends the gateway rows to `rows`.
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

pub(crate) async fn rows(rows: &mut Vec<Row>) -> Result<()> {
    let base = start_server().await?;
    let native = start_native(base.clone()).await?;
    let warm = start_gateway(&base, Some(Reuse::default())).await?;
    let fresh = start_gateway(&base, None).await?;
    let targets = [
        Target { name: "direct to the stand-in", uri: format!("{base}/sipstatus/online"), post: false },
        Target { name: "native proxy", uri: format!("{native}{ROUTE}"), post: true },
        Target { name: "gateway, warm instances", uri: format!("http://{}{ROUTE}", warm.addr), post: true },
        Target { name: "gateway, fresh instance each", uri: format!("http://{}{ROUTE}", fresh.addr), post: true },
    ];
    let client = pooled_client();
    if let Some(which) = std::env::var_os("PBX_BENCH_PROFILE_GATEWAY") {
        // A steady loop for a profiler: one target (0 direct, 1 native
        // proxy, 2 warm gateway, 3 fresh gateway) at concurrency 1.
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
    warm.stop().await;
    fresh.stop().await;
    let (handle_warm, handle_fresh) = (in_process(Some(Reuse::default())).await?, in_process(None).await?);

    let label = "gateway route (sip-online)";
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
    for (how, d) in [("warm", handle_warm), ("fresh", handle_fresh)] {
        rows.push(Row {
            what: format!("{label}: Gateway::handle in process, mock provider, {how}"),
            value: format!("{} (no sockets; compare the p50 at 1)", fmt(d)),
            target: "-".into(),
        });
    }
    Ok(())
}
