//! `./dev bench` (or `cargo bench -p host-test --bench pbx`, and with
//! `--features p3` for the WASI 0.3 rows): what the component costs a host,
//! measured side by side with native code.
//!
//! Prints one table; every figure is a median over many runs, and every
//! ratio is measured in the same run against the same loopback server.
//! Environment:
//! - `PBX_BENCH_QUICK=1` cuts the run counts (a smoke run);
//! - `PBX_BENCH_ONLY=a,b` runs only those sections (`start`, `inproc`,
//!   `loopback`, `throughput`, `gateway`, `p3`);
//! - `PBX_BENCH_VARIANTS=name=path.wasm,...` adds in-process rows for other
//!   builds of the component, side by side with this one (`./dev bench`
//!   passes the growing-heap build, `heap-grow`, to show what the arena
//!   gains);
//! - `PBX_BENCH_HOST`, `PBX_BENCH_FLOOR`: the `pbx-host` binary and the
//!   floor component the gateway rows serve;
//! - instead of the table: `PBX_BENCH_GATEWAYS="a.wasm b.wasm"` compares
//!   gateway builds in process; else `PBX_BENCH_SERVED="a.wasm
//!   host@b.wasm"` (with `PBX_BENCH_SERVED_ARGS`) compares them served
//!   (gateway/mod.rs, `compare_served`).
//!
//! BENCHMARKS.md lists the rest (`PBX_BENCH_PROFILE_*`, `PBX_BENCH_RUNTIME`).

use anyhow::Result;
use bytes::Bytes;
use host_test::bindings::exports::telephony::pbx::ringostat::Config;
use host_test::kit::mock::{MockProvider, MockResponse};
use host_test::kit::mock_transport;
use host_test::kit::pooled::{pooled_client, PooledClient};
use host_test::kit::standin::ONLINE;
use host_test::{cache, engine, engine_tuned, keep_resident_available, Host, HostOptions, Transport};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::Component;

mod gateway;
mod table;

use table::*;

fn cfg(base: &str) -> Config {
    Config { auth_key: "bench-key".into(), base_url: Some(base.into()), timeout_ms: Some(5_000), max_body_bytes: None }
}

/// The native client's identical request: same path, header, keep-alive pool.
/// The transport `pbx-host serve --real` ships ([`Transport::Outbound`]),
/// with `PBX_ALLOWED_HOSTS` naming the loopback stand-in.
pub fn shipped_transport() -> Result<Transport> {
    let policy = host_test::guard::AllowedHosts::parse(Some("http://127.0.0.1:*"))?;
    Ok(Transport::guarded(Arc::new(policy)))
}

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
    // The benchmark started again as the native proxy's own process.
    if let Ok(base) = std::env::var(gateway::NATIVE_PROXY_ENV) {
        return gateway::native_proxy_process(&base);
    }
    let rt = if std::env::var("PBX_BENCH_RUNTIME").as_deref() == Ok("multi") {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?
    } else {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    };
    // Gateway builds compared in process (gateway/inproc.rs), nothing else.
    if let Ok(list) = std::env::var("PBX_BENCH_GATEWAYS") {
        let paths: Vec<std::path::PathBuf> = list.split_whitespace().map(Into::into).collect();
        return rt.block_on(gateway::inproc::compare(&paths));
    }
    // Gateway builds compared served by the shipped binary (gateway/mod.rs).
    if let Ok(list) = std::env::var("PBX_BENCH_SERVED") {
        let paths: Vec<std::path::PathBuf> = list.split_whitespace().map(Into::into).collect();
        return rt.block_on(gateway::compare_served(&paths));
    }
    rt.block_on(run())
}

/// The machine the run is on: CPU model, cores, kernel, and whether the
/// pooled slots can stay resident (Linux 6.7+ `PAGEMAP_SCAN`).
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel =
        std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|k| k.trim().to_string()).unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem_kb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<u64>().ok()))
        .unwrap_or(0);
    format!(
        "{cpu}, {cores} cores, {:.0} GiB, Linux {kernel}, PAGEMAP_SCAN {}",
        mem_kb as f64 / 1048576.0,
        if keep_resident_available() { "yes" } else { "no" }
    )
}

fn size_row(what: &str, path: &std::path::Path, limit_kb: Option<f64>) -> Row {
    match std::fs::metadata(path) {
        Ok(m) => {
            let size = m.len();
            let kb = size as f64 / 1000.0;
            Row {
                what: what.into(),
                value: format!("{size} bytes ({kb:.1} KB)"),
                target: match limit_kb {
                    Some(limit) => verdict(kb <= limit, format!("{:.2}x the {limit:.0} KB target", kb / limit)),
                    None => "reported".into(),
                },
            }
        }
        Err(_) => Row { what: what.into(), value: "not built".into(), target: "-".into() },
    }
}

async fn run() -> Result<()> {
    let path = host_test::component_path();
    let bytes = std::fs::read(&path)?;
    let mut rows = Vec::new();
    println!("machine: {}", machine());
    rows.push(size_row("component size: library (pbx_component.wasm)", &path, Some(400.0)));
    rows.push(size_row("component size: gateway (pbx_gateway.wasm)", &host_test::serve::gateway_path(), None));

    let eng = engine(true)?;
    let artifact = eng.precompile_component(&bytes)?;
    if section("start") {
        start_rows(&mut rows, &eng, &bytes, &path, &artifact).await?;
    }

    // The host every later section uses: pooled engine (slots kept resident
    // where the kernel allows), one InstancePre.
    // SAFETY: precompiled by an engine of the same configuration.
    let comp = unsafe { Component::deserialize(&eng, &artifact) }?;
    let host = Arc::new(Host::from_component(eng, comp)?);
    if std::env::var_os("PBX_BENCH_PROFILE_LOOPBACK").is_some() {
        // A steady loop for a profiler: component calls over loopback.
        let base = start_server().await?;
        let client = shipped_transport()?;
        for _ in 0..30_000 {
            component_call(&host, client.clone(), &cfg(&base)).await?;
        }
        return Ok(());
    }
    if std::env::var_os("PBX_BENCH_PROFILE_MOCK").is_some() {
        // A steady loop for a profiler: nothing but mocked calls.
        let mock = MockProvider::always(MockResponse::json(200, ONLINE)).unrecorded();
        for _ in 0..50_000 {
            component_call(&host, mock_transport(mock.clone()), &cfg("http://127.0.0.1:1")).await?;
        }
        return Ok(());
    }
    if std::env::var_os("PBX_BENCH_PROFILE_REUSED").is_some() {
        // A steady loop for a profiler: mocked calls on one instance.
        let mock = MockProvider::always(MockResponse::json(200, ONLINE)).unrecorded();
        let (mut store, ringostat) = host.ringostat(mock_transport(mock)).await?;
        for _ in 0..200_000 {
            ringostat
                .call_sip_online(&mut store, &cfg("http://127.0.0.1:1"))
                .await?
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        return Ok(());
    }
    if section("inproc") {
        inproc_rows(&mut rows, &bytes).await?;
    }
    let base = start_server().await?;
    let remote = cfg(&base);
    // The components send through the shipped transport (as `pbx-host
    // serve --real` with the stand-in allowed); the native side through a
    // plain keep-alive client.
    let client = shipped_transport()?;
    let native_client = pooled_client();
    if section("loopback") {
        loopback_rows(&mut rows, &host, &client, &native_client, &base).await?;
    }
    if section("throughput") {
        throughput_rows(&mut rows, &host, &client, &native_client, &base, &remote).await?;
    }
    #[cfg(feature = "p3")]
    if section("p3") {
        p3_rows(&mut rows, &host, &client, &native_client, &base).await?;
    }
    if section("gateway") {
        gateway::rows(&mut rows).await?;
    }

    let w = rows.iter().map(|r| r.what.len()).max().unwrap_or(10);
    let v = rows.iter().map(|r| r.value.len()).max().unwrap_or(10);
    println!("| {:w$} | {:v$} | target |", "measure", "median");
    println!("|{}|{}|--------|", "-".repeat(w + 2), "-".repeat(v + 2));
    for r in &rows {
        println!("| {:w$} | {:v$} | {} |", r.what, r.value, r.target);
    }
    Ok(())
}

/// Compile, load from the cache, start a host, make an engine.
async fn start_rows(
    rows: &mut Vec<Row>,
    eng: &wasmtime::Engine,
    bytes: &[u8],
    path: &std::path::Path,
    artifact: &[u8],
) -> Result<()> {
    let compile = time_median(runs(5), || {
        Component::new(eng, bytes).expect("compile");
    });
    rows.push(Row { what: "compile component (cranelift)".into(), value: fmt(compile), target: "-".into() });
    let load = time_median(runs(200), || {
        // SAFETY: produced by an engine of this configuration.
        unsafe { Component::deserialize(eng, artifact) }.expect("deserialize");
    });
    rows.push(Row { what: "load precompiled component".into(), value: fmt(load), target: "-".into() });
    let dir = std::env::temp_dir().join(format!("pbx-bench-cache-{}", std::process::id()));
    cache::load(eng, bytes, &dir)?; // fill
    let start = time_median(runs(50), || {
        let h = Host::load(path, &HostOptions { pooling: true, cache_dir: Some(dir.clone()), ..Default::default() })
            .expect("host start");
        drop(h);
    });
    let shipped = shipped_start(path, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let shipped = shipped?;
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
    rows.push(Row {
        what: "host start, the shipped binary: `pbx-host list` from the cache, the whole process".into(),
        value: shipped.map_or_else(|| "- (no shipped binary: PBX_BENCH_HOST, or ./dev bench)".into(), fmt),
        target: "-".into(),
    });
    Ok(())
}

/// The median time of `pbx-host list` run by the shipped binary (what the
/// gateway rows run; none if it is not built) on the component at `path`,
/// its precompiled cache in `dir`: process start, [`Host::load`], listing,
/// exit. The row above is the same load in this process, whose build (the
/// bench profile) is not the shipped one.
fn shipped_start(path: &std::path::Path, dir: &std::path::Path) -> Result<Option<Duration>> {
    let Ok(binary) = gateway::shipped_binary() else { return Ok(None) };
    let list = || -> Result<Duration> {
        let start = Instant::now();
        let status = std::process::Command::new(&binary)
            .arg("--component")
            .arg(path)
            .arg("list")
            .env("PBX_CACHE_DIR", dir)
            .stdout(std::process::Stdio::null())
            .status()?;
        let took = start.elapsed();
        anyhow::ensure!(status.success(), "{} list: {status}", binary.display());
        Ok(took)
    };
    list()?; // its engine's entry in the cache
    let mut times = Vec::new();
    for _ in 0..runs(30) {
        times.push(list()?);
    }
    Ok(Some(median(times)))
}

/// The in-process figures of one host: a fresh instance per call
/// (instantiate, call, teardown, each timed), and one instance reused.
struct InProc {
    instantiate: Duration,
    call: Duration,
    teardown: Duration,
    total: Duration,
    reused: Duration,
}

/// `sip-online` on the mock transport (no network): `n` fresh-instance
/// calls, then `n` calls on one reused instance.
async fn inproc(host: &Host, n: usize) -> Result<InProc> {
    let mock = MockProvider::always(MockResponse::json(200, ONLINE)).unrecorded();
    let local = cfg("http://127.0.0.1:1");
    let (mut inst, mut call, mut down, mut total) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let warmup = runs(100);
    for i in 0..n + warmup {
        let t0 = Instant::now();
        let (mut store, ringostat) = host.ringostat(mock_transport(mock.clone())).await?;
        let t1 = Instant::now();
        let out = ringostat.call_sip_online(&mut store, &local).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let t2 = Instant::now();
        drop(store);
        let t3 = Instant::now();
        assert_eq!(out.len(), 3);
        if i >= warmup {
            inst.push(t1 - t0);
            call.push(t2 - t1);
            down.push(t3 - t2);
            total.push(t3 - t0);
        }
    }
    let (mut store, ringostat) = host.ringostat(mock_transport(mock.clone())).await?;
    let mut reused = Vec::new();
    for i in 0..n + warmup {
        let t = Instant::now();
        let out = ringostat.call_sip_online(&mut store, &local).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        if i >= warmup {
            reused.push(t.elapsed());
        }
        assert_eq!(out.len(), 3);
    }
    Ok(InProc {
        instantiate: median(inst),
        call: median(call),
        teardown: median(down),
        total: median(total),
        reused: median(reused),
    })
}

/// In-process rows: this build on the engine as shipped, the same without
/// resident slots, and each `PBX_BENCH_VARIANTS` build; interleaved in
/// rounds so all see the same machine state.
async fn inproc_rows(rows: &mut Vec<Row>, bytes: &[u8]) -> Result<()> {
    let mut hosts: Vec<(String, Host)> = Vec::new();
    let load = |keep: bool, bytes: &[u8]| -> Result<Host> {
        let eng = engine_tuned(true, host_test::DEFAULT_MAX_INSTANCES, keep)?;
        let comp = Component::new(&eng, bytes)?;
        Host::from_component(eng, comp)
    };
    let resident = keep_resident_available();
    hosts.push((if resident { "slots kept resident" } else { "slots madvised" }.into(), load(resident, bytes)?));
    if resident {
        hosts.push(("slots madvised (the old engine)".into(), load(false, bytes)?));
    }
    if let Ok(list) = std::env::var("PBX_BENCH_VARIANTS") {
        for item in list.split(',').filter(|s| !s.is_empty()) {
            let (name, path) = item.split_once('=').unwrap_or((item, item));
            match std::fs::read(path) {
                Ok(b) => hosts.push((format!("{name} build, slots kept resident"), load(resident, &b)?)),
                Err(e) => println!("variant {name}: {path}: {e}"),
            }
        }
    }
    let rounds = 5;
    let mut results: Vec<Vec<InProc>> = hosts.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds {
        for (i, (_, host)) in hosts.iter().enumerate() {
            results[i].push(inproc(host, runs(2_000) / rounds).await?);
        }
    }
    for ((name, _), r) in hosts.iter().zip(results) {
        // The median over rounds of each figure.
        let pick = |f: fn(&InProc) -> Duration| median(r.iter().map(f).collect());
        let (total, inst, call, down, reused) =
            (pick(|x| x.total), pick(|x| x.instantiate), pick(|x| x.call), pick(|x| x.teardown), pick(|x| x.reused));
        let main = rows.iter().all(|r: &Row| !r.what.starts_with("in-process call, fresh"));
        // Only the shipped configuration (the first) is held to a target.
        let under = |d: Duration, us: f64| {
            if main {
                verdict(
                    d.as_secs_f64() <= us * 1e-6,
                    format!("{:.2}x the {us} us target", d.as_secs_f64() / (us * 1e-6)),
                )
            } else {
                "-".into()
            }
        };
        rows.push(Row {
            what: format!("in-process call, fresh instance, {name}"),
            value: format!("{} (instantiate {} + call {} + teardown {})", fmt(total), fmt(inst), fmt(call), fmt(down)),
            target: under(total, 35.0),
        });
        rows.push(Row {
            what: format!("in-process call, reused instance, {name}"),
            value: fmt(reused),
            target: under(reused, 12.0),
        });
    }
    Ok(())
}

/// End to end on loopback, one call at a time: the component (fresh
/// instance, pooled transport; one instance reused; fresh with wasmtime's
/// default sender) against the native keep-alive client, interleaved.
async fn loopback_rows(
    rows: &mut Vec<Row>,
    host: &Host,
    client: &Transport,
    native_client: &PooledClient,
    base: &str,
) -> Result<()> {
    let remote = cfg(base);
    let n = runs(3_000);
    let (mut comp_t, mut native_t, mut fresh_t, mut reused_t) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut warm_store, warm) = host.ringostat(client.clone()).await?;
    for i in 0..n {
        let t = Instant::now();
        warm.call_sip_online(&mut warm_store, &remote).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let reused = t.elapsed();
        let t = Instant::now();
        let a = component_call(host, client.clone(), &remote).await?;
        let ca = t.elapsed();
        let t = Instant::now();
        let b = native_call(native_client, base).await?;
        let nb = t.elapsed();
        assert_eq!(a, b);
        if i % 10 == 0 {
            let t = Instant::now();
            component_call(host, Transport::Network, &remote).await?;
            fresh_t.push(t.elapsed());
        }
        if i > runs(100) {
            comp_t.push(ca);
            native_t.push(nb);
            reused_t.push(reused);
        }
    }
    let (c, nat, fresh, reused) = (median(comp_t), median(native_t), median(fresh_t), median(reused_t));
    let ratio = c.as_secs_f64() / nat.as_secs_f64();
    let rratio = reused.as_secs_f64() / nat.as_secs_f64();
    rows.push(Row { what: "loopback latency: native hyper keep-alive".into(), value: fmt(nat), target: "-".into() });
    rows.push(Row {
        what: "loopback latency: component, fresh instance, pooled transport".into(),
        value: format!("{} ({ratio:.2}x native)", fmt(c)),
        target: verdict(ratio <= 2.5, format!("{ratio:.2}x against the 2.5x target")),
    });
    rows.push(Row {
        what: "loopback latency: component, one instance reused".into(),
        value: format!("{} ({rratio:.2}x native)", fmt(reused)),
        target: verdict(rratio <= 1.8, format!("{rratio:.2}x against the 1.8x target")),
    });
    rows.push(Row {
        what: "loopback latency: component, default sender (new connection each)".into(),
        value: format!("{} ({:.2}x native)", fmt(fresh), fresh.as_secs_f64() / nat.as_secs_f64()),
        target: "-".into(),
    });
    Ok(())
}

/// Calls per second of `concurrency` tasks sharing `total` calls; task `w`
/// runs `worker(n)`, which makes its `n` calls.
async fn rate<F, Fut>(concurrency: usize, total: usize, worker: F) -> Result<f64>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let t = Instant::now();
    let tasks: Vec<_> =
        (0..concurrency).map(|w| tokio::spawn(worker((w..total).step_by(concurrency).count()))).collect();
    for task in tasks {
        task.await?;
    }
    Ok(total as f64 / t.elapsed().as_secs_f64())
}

/// Many concurrent calls: the component (a fresh instance per call) and the
/// native client, in alternating rounds.
async fn throughput_rows(
    rows: &mut Vec<Row>,
    host: &Arc<Host>,
    client: &Transport,
    native_client: &PooledClient,
    base: &str,
    remote: &Config,
) -> Result<()> {
    let total = runs(20_000);
    let concurrency = 64;
    let mut tput = Vec::new();
    for round in 0..3 {
        let comp_rate = rate(concurrency, total, |n| {
            let (host, client, remote) = (host.clone(), client.clone(), remote.clone());
            async move {
                for _ in 0..n {
                    component_call(&host, client.clone(), &remote).await.expect("component call");
                }
            }
        })
        .await?;
        let native_rate = rate(concurrency, total, |n| {
            let (client, base) = (native_client.clone(), base.to_string());
            async move {
                for _ in 0..n {
                    native_call(&client, &base).await.expect("native call");
                }
            }
        })
        .await?;
        // Each worker on its own instance, reused for all its calls.
        let warm_rate = rate(concurrency, total, |n| {
            let (host, client, remote) = (host.clone(), client.clone(), remote.clone());
            async move {
                let (mut store, ringostat) = host.ringostat(client).await.expect("instance");
                for _ in 0..n {
                    ringostat.call_sip_online(&mut store, &remote).await.expect("call").expect("answer");
                }
            }
        })
        .await?;
        if round > 0 || quick() {
            tput.push((comp_rate, native_rate, warm_rate));
        }
    }
    tput.sort_by(|a, b| (a.0 / a.1).total_cmp(&(b.0 / b.1)));
    let (comp_rate, native_rate, _) = tput[tput.len() / 2];
    let tratio = native_rate / comp_rate;
    let warm = median_f64(tput.iter().map(|t| t.1 / t.2).collect());
    rows.push(Row {
        what: format!("throughput, {concurrency} concurrent: native"),
        value: format!("{native_rate:.0} calls/s"),
        target: "-".into(),
    });
    rows.push(Row {
        what: format!("throughput, {concurrency} concurrent: component, fresh instance per call"),
        value: format!("{comp_rate:.0} calls/s (native/component {tratio:.2}x)"),
        target: verdict(tratio <= 3.0, format!("{tratio:.2}x against the 3x target")),
    });
    rows.push(Row {
        what: format!("throughput, {concurrency} concurrent: component, {concurrency} instances reused"),
        value: format!("native/component {warm:.2}x"),
        target: "-".into(),
    });
    Ok(())
}

/// WASI 0.3 against 0.2, in this binary (built with `--features p3`, so both
/// run on the same engine build, with component-model-async on): the one
/// p3 call (`pbx_p3.wasm`, Ringostat `sip-online`) and the p2 library's, in
/// process (mock) and on loopback, fresh and reused, in alternating blocks.
#[cfg(feature = "p3")]
async fn p3_rows(
    rows: &mut Vec<Row>,
    host: &Host,
    client: &Transport,
    native_client: &PooledClient,
    base: &str,
) -> Result<()> {
    use host_test::p3::{p3_component_path, P3Host};
    rows.push(size_row("component size: p3 variant (pbx_p3.wasm, sip-online only)", &p3_component_path(), None));
    if !p3_component_path().exists() {
        println!("p3: {} not built; see p3/Cargo.toml", p3_component_path().display());
        return Ok(());
    }
    let mock = MockProvider::always(MockResponse::json(200, ONLINE)).unrecorded();
    let local = cfg("http://127.0.0.1:1");
    let remote = cfg(base);
    let p3_mock = P3Host::load_default(mock_transport(mock.clone()))?;
    let p3_net = P3Host::load_default(client.clone())?;
    let (mut p2_warm_store, p2_warm) = host.ringostat(mock_transport(mock.clone())).await?;
    let (mut p2_net_store, p2_net) = host.ringostat(client.clone()).await?;
    let mut p3_warm = p3_mock.reused().await?;
    let mut p3_net_warm = p3_net.reused().await?;
    // [p2 fresh, p3 fresh, p2 reused, p3 reused] in process, then the same
    // on loopback, then native on loopback.
    let mut t: Vec<Vec<Duration>> = vec![Vec::new(); 9];
    let block = 100;
    let blocks = runs(3_000) / block;
    for b in 0..blocks.max(2) {
        let keep = b > 0;
        for (i, series) in t.iter_mut().enumerate() {
            for _ in 0..block {
                let start = Instant::now();
                let n = match i {
                    0 => component_call(host, mock_transport(mock.clone()), &local).await?.len(),
                    1 => p3_mock.sip_online("bench-key", "http://127.0.0.1:1", 5_000).await?.len(),
                    2 => p2_warm
                        .call_sip_online(&mut p2_warm_store, &local)
                        .await?
                        .map_err(|e| anyhow::anyhow!("{e:?}"))?
                        .len(),
                    3 => p3_warm.sip_online("bench-key", "http://127.0.0.1:1", 5_000).await?.len(),
                    4 => component_call(host, client.clone(), &remote).await?.len(),
                    5 => p3_net.sip_online("bench-key", base, 5_000).await?.len(),
                    6 => p2_net
                        .call_sip_online(&mut p2_net_store, &remote)
                        .await?
                        .map_err(|e| anyhow::anyhow!("{e:?}"))?
                        .len(),
                    7 => p3_net_warm.sip_online("bench-key", base, 5_000).await?.len(),
                    _ => native_call(native_client, base).await?.len(),
                };
                assert_eq!(n, 3);
                if keep {
                    series.push(start.elapsed());
                }
            }
        }
    }
    let m: Vec<Duration> = t.into_iter().map(median).collect();
    let nat = m[8];
    let names = [
        "p2 vs p3, in process (mock): p2, fresh instance",
        "p2 vs p3, in process (mock): p3, fresh instance",
        "p2 vs p3, in process (mock): p2, reused instance",
        "p2 vs p3, in process (mock): p3, reused instance",
        "p2 vs p3, loopback: p2, fresh instance",
        "p2 vs p3, loopback: p3, fresh instance",
        "p2 vs p3, loopback: p2, reused instance",
        "p2 vs p3, loopback: p3, reused instance",
    ];
    for (i, name) in names.iter().enumerate() {
        let value = if i % 2 == 1 {
            format!("{} (p3/p2 {:.2}x)", fmt(m[i]), m[i].as_secs_f64() / m[i - 1].as_secs_f64())
        } else {
            fmt(m[i])
        };
        let value =
            if i >= 4 { format!("{value}, {:.2}x native", m[i].as_secs_f64() / nat.as_secs_f64()) } else { value };
        rows.push(Row { what: (*name).into(), value, target: "-".into() });
    }
    rows.push(Row { what: "p2 vs p3, loopback: native hyper keep-alive".into(), value: fmt(nat), target: "-".into() });
    Ok(())
}
