//! `./dev bench` (or `cargo bench -p host-test --bench pbx`): what the
//! component costs a host, measured side by side with a native client.
//!
//! Prints one table; every figure is a median over many runs, and every
//! ratio is measured in the same run against the same loopback server.
//! Environment: `PBX_BENCH_QUICK=1` cuts the run counts (a smoke run).

use anyhow::Result;
use bytes::Bytes;
use host_test::bindings::exports::telephony::pbx::ringostat::Config;
use host_test::kit::mock::{MockProvider, MockResponse};
use host_test::transport::{pooled_client, PooledClient};
use host_test::{cache, engine, Host, Transport};
use http_body_util::{BodyExt, Full};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use wasmtime::component::Component;

const ONLINE: &str = r#"["supportrngst_manager1","supportrngst_manager2","supportrngst_manager3"]"#;

struct Row {
    what: String,
    value: String,
    target: String,
}

fn quick() -> bool {
    std::env::var_os("PBX_BENCH_QUICK").is_some()
}

fn runs(n: usize) -> usize {
    if quick() {
        (n / 10).max(3)
    } else {
        n
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The median time of `n` runs of `f`.
fn time_median(n: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn fmt(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.1} us", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn verdict(ok: bool, miss: String) -> String {
    if ok {
        "met".into()
    } else {
        format!("MISSED: {miss}")
    }
}

fn cfg(base: &str) -> Config {
    Config { auth_key: "bench-key".into(), base_url: Some(base.into()), timeout_ms: Some(5_000), max_body_bytes: None }
}

/// A loopback server answering `GET /sipstatus/online` like Ringostat.
async fn start_server() -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                    let ok = req.uri().path() == "/sipstatus/online" && req.headers().get("auth-key").is_some();
                    let (status, body) = if ok { (200, ONLINE) } else { (401, r#"{"message":"Unauthorized"}"#) };
                    Ok::<_, std::convert::Infallible>(
                        hyper::Response::builder()
                            .status(status)
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(body.as_bytes())))
                            .expect("static response"),
                    )
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    Ok(format!("http://{addr}"))
}

/// The native client's identical request: same path, header, keep-alive pool.
async fn native_call(client: &PooledClient, base: &str) -> Result<Vec<String>> {
    let req = hyper::Request::get(format!("{base}/sipstatus/online"))
        .header("auth-key", "bench-key")
        .body(host_test::transport::full_body(Bytes::new()))?;
    let resp = client.request(req).await?;
    anyhow::ensure!(resp.status() == 200, "status {}", resp.status());
    let body = resp.into_body().collect().await?.to_bytes();
    Ok(serde_json::from_slice(&body)?)
}

async fn component_call(host: &Host, transport: Transport, cfg: &Config) -> Result<Vec<String>> {
    let (mut store, ringostat) = host.ringostat(transport).await?;
    ringostat.call_sip_online(&mut store, cfg).await?.map_err(|e| anyhow::anyhow!("{e:?}"))
}

fn main() -> Result<()> {
    let rt = if std::env::var("PBX_BENCH_RUNTIME").as_deref() == Ok("multi") {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?
    } else {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    };
    rt.block_on(run())
}

async fn run() -> Result<()> {
    let path = host_test::component_path();
    let bytes = std::fs::read(&path)?;
    let mut rows = Vec::new();
    let size = bytes.len();
    rows.push(Row {
        what: "component size".into(),
        value: format!("{size} bytes ({:.1} KB)", size as f64 / 1024.0),
        target: verdict(size < 300 * 1024, format!("{:.2}x the 300 KB target", size as f64 / (300.0 * 1024.0))),
    });

    // Compile vs. load from the precompiled cache.
    let eng = engine(true)?;
    let compile = time_median(runs(5), || {
        Component::new(&eng, &bytes).expect("compile");
    });
    rows.push(Row { what: "compile component (cranelift)".into(), value: fmt(compile), target: "-".into() });
    let artifact = eng.precompile_component(&bytes)?;
    let load = time_median(runs(200), || {
        // SAFETY: produced by this engine just above.
        unsafe { Component::deserialize(&eng, &artifact) }.expect("deserialize");
    });
    rows.push(Row { what: "load precompiled component".into(), value: fmt(load), target: "-".into() });
    let dir = std::env::temp_dir().join(format!("pbx-bench-cache-{}", std::process::id()));
    cache::load(&eng, &bytes, &dir)?; // fill
    let start = time_median(runs(50), || {
        let h = Host::load(
            &path,
            &host_test::HostOptions { pooling: true, cache_dir: Some(dir.clone()), ..Default::default() },
        )
        .expect("host start");
        drop(h);
    });
    let _ = std::fs::remove_dir_all(&dir);
    rows.push(Row {
        what: "host start from cache (engine+read+hash+load+link)".into(),
        value: fmt(start),
        target: verdict(
            start < Duration::from_millis(10),
            format!("{:.2}x the 10 ms target", start.as_secs_f64() / 0.010),
        ),
    });
    let engine_new = time_median(runs(50), || {
        drop(engine(true).expect("engine"));
    });
    rows.push(Row {
        what: "  of which: engine with pooling allocator".into(),
        value: fmt(engine_new),
        target: "-".into(),
    });
    let engine_default = time_median(runs(50), || {
        drop(engine(false).expect("engine"));
    });
    rows.push(Row {
        what: "  (an engine with the default allocator)".into(),
        value: fmt(engine_default),
        target: "-".into(),
    });

    // Instantiation from one InstancePre.
    for pooling in [false, true] {
        let eng = engine(pooling)?;
        // SAFETY: precompiled by an engine of the same configuration.
        let comp = unsafe { Component::deserialize(&eng, &artifact) }?;
        let host = Host::from_component(eng, comp)?;
        let mock = MockProvider::always(MockResponse::json(200, ONLINE));
        for _ in 0..runs(200) {
            host.instantiate(Transport::Mock(mock.clone())).await?;
        }
        let mut times = Vec::new();
        for _ in 0..runs(5_000) {
            let t = Instant::now();
            let s = host.instantiate(Transport::Mock(mock.clone())).await?;
            times.push(t.elapsed());
            drop(s);
        }
        let m = median(times);
        rows.push(Row {
            what: format!("instantiate ({} allocator)", if pooling { "pooling" } else { "default" }),
            value: fmt(m),
            target: if pooling {
                verdict(m < Duration::from_micros(20), format!("{:.2}x the 20 us target", m.as_secs_f64() / 20e-6))
            } else {
                "-".into()
            },
        });
    }

    // The component's own overhead: one call on the mock transport.
    let eng = engine(true)?;
    // SAFETY: precompiled by an engine of the same configuration.
    let comp = unsafe { Component::deserialize(&eng, &artifact) }?;
    let host = Arc::new(Host::from_component(eng, comp)?);
    let mock = MockProvider::always(MockResponse::json(200, ONLINE));
    let local = cfg("http://127.0.0.1:1");
    if std::env::var_os("PBX_BENCH_PROFILE_LOOPBACK").is_some() {
        // A steady loop for a profiler: component calls over loopback.
        let base = start_server().await?;
        let client = pooled_client();
        for _ in 0..30_000 {
            component_call(&host, Transport::Pooled(client.clone()), &cfg(&base)).await?;
        }
        return Ok(());
    }
    if std::env::var_os("PBX_BENCH_PROFILE_MOCK").is_some() {
        // A steady loop for a profiler: nothing but mocked calls.
        for _ in 0..50_000 {
            component_call(&host, Transport::Mock(mock.clone()), &local).await?;
        }
        return Ok(());
    }
    let (mut times, mut call_only) = (Vec::new(), Vec::new());
    for i in 0..runs(3_000) {
        let t = Instant::now();
        let (mut store, ringostat) = host.ringostat(Transport::Mock(mock.clone())).await?;
        let t_call = Instant::now();
        let out = ringostat.call_sip_online(&mut store, &local).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let end = Instant::now();
        if i > runs(100) {
            times.push(end - t);
            call_only.push(end - t_call);
        }
        assert_eq!(out.len(), 3);
    }
    rows.push(Row {
        what: "sip-online, mock transport (instantiate + call)".into(),
        value: fmt(median(times)),
        target: "-".into(),
    });
    rows.push(Row {
        what: "sip-online, mock transport (the call alone)".into(),
        value: fmt(median(call_only)),
        target: "-".into(),
    });

    // End to end on loopback: component (pooled transport) vs native keep-alive client.
    let base = start_server().await?;
    let remote = cfg(&base);
    let client = pooled_client();
    let native_client = pooled_client();
    let n = runs(3_000);
    let (mut comp_t, mut native_t, mut fresh_t, mut reused_t) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut warm_store, warm) = host.ringostat(Transport::Pooled(client.clone())).await?;
    for i in 0..n {
        let t = Instant::now();
        warm.call_sip_online(&mut warm_store, &remote).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let reused = t.elapsed();
        // Interleaved so both see the same machine state.
        let t = Instant::now();
        let a = component_call(&host, Transport::Pooled(client.clone()), &remote).await?;
        let ca = t.elapsed();
        let t = Instant::now();
        let b = native_call(&native_client, &base).await?;
        let nb = t.elapsed();
        assert_eq!(a, b);
        if i % 10 == 0 {
            let t = Instant::now();
            component_call(&host, Transport::Network, &remote).await?;
            fresh_t.push(t.elapsed());
        }
        if i > runs(100) {
            comp_t.push(ca);
            native_t.push(nb);
            reused_t.push(reused);
        }
    }
    let (c, nat, fresh) = (median(comp_t), median(native_t), median(fresh_t));
    let ratio = c.as_secs_f64() / nat.as_secs_f64();
    rows.push(Row { what: "loopback latency: native hyper keep-alive".into(), value: fmt(nat), target: "-".into() });
    rows.push(Row {
        what: "loopback latency: component, pooled transport".into(),
        value: format!("{} ({ratio:.2}x native)", fmt(c)),
        target: verdict(ratio <= 1.2, format!("{:.0}% over the 1.2x target", (ratio / 1.2 - 1.0) * 100.0)),
    });
    let reused = median(reused_t);
    rows.push(Row {
        what: "loopback latency: component, one instance reused".into(),
        value: format!("{} ({:.2}x native)", fmt(reused), reused.as_secs_f64() / nat.as_secs_f64()),
        target: "-".into(),
    });
    rows.push(Row {
        what: "loopback latency: component, default sender (new connection each)".into(),
        value: format!("{} ({:.2}x native)", fmt(fresh), fresh.as_secs_f64() / nat.as_secs_f64()),
        target: "-".into(),
    });

    // Throughput: many concurrent calls, one instance per call.
    let total = runs(20_000);
    let concurrency = 64;
    let mut tput = Vec::new();
    for round in 0..3 {
        let t = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..concurrency {
            let (host, client, remote) = (host.clone(), client.clone(), remote.clone());
            tasks.push(tokio::spawn(async move {
                for _ in (w..total).step_by(concurrency) {
                    component_call(&host, Transport::Pooled(client.clone()), &remote).await.expect("component call");
                }
            }));
        }
        for task in tasks {
            task.await?;
        }
        let comp_rate = total as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..concurrency {
            let (client, base) = (native_client.clone(), base.clone());
            tasks.push(tokio::spawn(async move {
                for _ in (w..total).step_by(concurrency) {
                    native_call(&client, &base).await.expect("native call");
                }
            }));
        }
        for task in tasks {
            task.await?;
        }
        let native_rate = total as f64 / t.elapsed().as_secs_f64();
        if round > 0 || quick() {
            tput.push((comp_rate, native_rate));
        }
    }
    tput.sort_by(|a, b| (a.0 / a.1).total_cmp(&(b.0 / b.1)));
    let (comp_rate, native_rate) = tput[tput.len() / 2];
    let tratio = native_rate / comp_rate;
    rows.push(Row {
        what: format!("throughput, {concurrency} concurrent: native"),
        value: format!("{native_rate:.0} calls/s"),
        target: "-".into(),
    });
    rows.push(Row {
        what: format!("throughput, {concurrency} concurrent: component"),
        value: format!("{comp_rate:.0} calls/s (native/component {tratio:.2}x)"),
        target: verdict(tratio <= 1.2, format!("{:.0}% over the 1.2x target", (tratio / 1.2 - 1.0) * 100.0)),
    });

    let w = rows.iter().map(|r| r.what.len()).max().unwrap_or(10);
    let v = rows.iter().map(|r| r.value.len()).max().unwrap_or(10);
    println!("| {:w$} | {:v$} | target |", "measure", "median");
    println!("|{}|{}|--------|", "-".repeat(w + 2), "-".repeat(v + 2));
    for r in &rows {
        println!("| {:w$} | {:v$} | {} |", r.what, r.value, r.target);
    }
    Ok(())
}
