//! The HTTP gateway as it ships: every row runs the release `pbx-host`
//! binary (`cargo build --release -p pbx-host`, which `./dev
//! bench` builds into `target/shipped/`; `PBX_BENCH_HOST` names another) as
//! a subprocess, `pbx-host serve --real --addr 127.0.0.1:PORT`, configured
//! only through its environment (`PBX_GATEWAY_TOKEN`,
//! `PBX_RINGOSTAT_AUTH_KEY`, `PBX_RINGOSTAT_BASE_URL`, `PBX_ALLOWED_HOSTS`,
//! `SSL_CERT_FILE`), so its outbound transport is the shipped one
//! (`Transport::Outbound`: pooled keep-alive over rustls, HTTP/2 by ALPN,
//! the egress policy). The route is `POST /v1/ringostat/sip-online` on the
//! server-held credentials, answered `200 {"ok": [...]}`.
//!
//! Four parts:
//! - **in process** ([`inproc::rows`]): the gateway's own work per request,
//!   `Gateway::handle` called in a loop without sockets, against the floor
//!   component's;
//! - **loopback** ([`loopback_rows`]): the gateway against a native Rust proxy
//!   doing the same translation, on a loopback HTTP/1.1 stand-in;
//! - **a TLS provider 20 ms away** ([`tls_rows`]): a TLS stand-in (private CA,
//!   ALPN `h2` and `http/1.1`) behind a relay delaying each direction by 10
//!   ms, the gateway against a native keep-alive client;
//! - **600 overlapping clients** ([`burst_rows`]), the provider answering in 50
//!   ms: failed requests, for `pbx-host serve` and (for the record) `wasmtime
//!   serve`.

mod burst;
mod common;
pub(crate) mod inproc;
mod tls;

use burst::burst_rows;
use common::*;
pub(crate) use common::{native_proxy_process, shipped_binary, NATIVE_PROXY_ENV};
use tls::tls_rows;

/// Appends every gateway row to `rows`.
pub(crate) async fn rows(rows: &mut Vec<Row>) -> Result<()> {
    inproc::rows(rows).await?;
    loopback_rows(rows).await?;
    tls_rows(rows).await?;
    burst_rows(rows).await
}

/// The loopback rows: direct, the native proxy, and the shipped binary with
/// warm instances and with a fresh instance per request.
async fn loopback_rows(rows: &mut Vec<Row>) -> Result<()> {
    let base = start_server().await?;
    let native = start_native_process(&base).await?;
    let native_here = start_native(base.clone()).await?;
    let env = settings(&base);
    let warm = Served::pbx_host(&env, &[]).await?;
    // The baseline of the busy poll (host/src/serve/poll.rs).
    let no_poll = Served::pbx_host(&env, &["--busy-poll-us", "0"]).await?;
    let one_runtime = Served::pbx_host(&env, &["--one-runtime"]).await?;
    let fresh = Served::pbx_host(&env, &["--max-instance-reuse-count", "1"]).await?;
    // The floor: the same binary and settings serving host-test/floor, the
    // least a wasi:http component does for this route (no JSON, no checks).
    let floor = Served::pbx_host_serving(&floor_component()?, &env, &[]).await?;
    let targets = [
        // The stand-in and the in-thread proxy share this process: no pid.
        Target { name: "direct to the stand-in", uri: format!("{base}/sipstatus/online"), post: false, pid: None },
        native.target("native proxy, its own process"),
        Target {
            name: "native proxy in the client's thread",
            uri: format!("{native_here}{ROUTE}"),
            post: true,
            pid: None,
        },
        warm.target("pbx-host serve, warm instances"),
        no_poll.target("pbx-host serve, warm, no busy poll"),
        one_runtime.target("pbx-host serve, warm, one multi-thread runtime"),
        fresh.target("pbx-host serve, fresh instance each"),
        floor.target("pbx-host serve of the floor component, warm"),
    ];
    let client = pooled_client();
    if let Some(which) = std::env::var_os("PBX_BENCH_PROFILE_GATEWAY") {
        // A steady loop for a profiler: one target (0 direct, 1 native
        // proxy process, 2 native proxy in this thread, 3 warm gateway, 4
        // warm without the busy poll, 5 warm on one runtime, 6 fresh
        // gateway, 7 floor) at concurrency 1; profile the child (`perf
        // record -p`).
        let t = &targets[which.to_str().and_then(|w| w.parse().ok()).unwrap_or(3usize).min(7)];
        // The rate every 5,000 calls, to turn a profiler's counts into
        // counts per request, and its p10, p50 and p90.
        let mut since = Instant::now();
        let mut times = Vec::with_capacity(5_000);
        for i in 1..=50_000 {
            let start = Instant::now();
            t.call(&client).await?;
            times.push(start.elapsed());
            if i % 5_000 == 0 {
                times.sort_unstable();
                let at = |q: usize| times[times.len() * q / 100].as_secs_f64() * 1e6;
                eprintln!(
                    "{}: {:.0} req/s (p10 {:.1} us, p50 {:.1} us, p90 {:.1} us)",
                    t.name,
                    5_000.0 / since.elapsed().as_secs_f64(),
                    at(10),
                    at(50),
                    at(90)
                );
                times.clear();
                since = Instant::now();
            }
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

    let (single, cpu) = at_one(&targets, &client, runs(200), runs(3_000)).await?;
    let cpu_per_request: Vec<Option<Duration>> =
        targets.iter().enumerate().map(|(i, t)| t.pid.map(|_| cpu[i] / single[i].len().max(1) as u32)).collect();
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
    drop((native, warm, no_poll, one_runtime, fresh, floor));

    let label = "gateway, loopback (sip-online)";
    rows.push(Row {
        what: format!("{label}: one tokio task spawned and joined, 2 workers (the most lever (a) saves)"),
        value: fmt(spawn_cost()?),
        target: "-".into(),
    });
    for (at, p50) in [(1, &p50_1), (CONCURRENCY, &p50_64)] {
        for (i, t) in targets.iter().enumerate() {
            let what = format!("{label}, p50 at {at}: {}", t.name);
            rows.push(if i >= 3 {
                ratio_row(what, p50[i], p50[1])
            } else {
                Row { what, value: fmt(p50[i]), target: "-".into() }
            });
        }
    }
    for (i, t) in targets.iter().enumerate() {
        if let Some(c) = cpu_per_request[i] {
            let what = format!("{label}, server CPU per request at 1: {}", t.name);
            rows.push(Row { what, value: fmt(c), target: "-".into() });
        }
    }
    for (at, rates) in [(1, &tput_1), (CONCURRENCY, &tput)] {
        for (i, t) in targets.iter().enumerate() {
            rows.push(rate_row(
                format!("{label}, throughput at {at}: {}", t.name),
                rates[i],
                (i >= 3).then_some(rates[1]),
            ));
        }
    }
    Ok(())
}

/// `PBX_BENCH_SERVED="a.wasm b.wasm path/to/pbx-host@c.wasm ..."`: each
/// build served by the shipped binary (or by the `pbx-host` before the
/// first `@`) with its default settings and the flags in
/// `PBX_BENCH_SERVED_ARGS`, against the native proxy in its own process: p50
/// and server CPU per request at one request at a time, 20,000 requests
/// each after 500 (a tenth with `PBX_BENCH_QUICK`), in blocks of 100 as the
/// loopback rows ([`at_one`]). (Serving each build alone for seconds, in
/// turn, gave rates that moved 15% between runs of the same build.)
pub(crate) async fn compare_served(paths: &[PathBuf]) -> Result<()> {
    let base = start_server().await?;
    let native = start_native_process(&base).await?;
    let env = settings(&base);
    // Flags for every server (`PBX_BENCH_SERVED_ARGS`, e.g. `--busy-poll-us 0`).
    let args = std::env::var("PBX_BENCH_SERVED_ARGS").unwrap_or_default();
    let args: Vec<&str> = args.split_whitespace().collect();
    let mut served = Vec::new();
    for p in paths {
        served.push(match p.to_str().and_then(|p| p.split_once('@')) {
            Some((host, wasm)) => Served::run(host.as_ref(), wasm.as_ref(), &env, &args).await?,
            None => Served::pbx_host_serving(p, &env, &args).await?,
        });
    }
    let mut targets = vec![native.target("native proxy, its own process")];
    // Named by their paths (a few leaked strings, once per run).
    let names = paths.iter().map(|p| &*Box::leak(p.display().to_string().into_boxed_str()));
    targets.extend(served.iter().zip(names).map(|(s, name)| s.target(name)));
    let client = pooled_client();
    let (times, cpu) = at_one(&targets, &client, runs(500), runs(20_000)).await?;
    let n = times[0].len().max(1) as u32;
    let p50: Vec<Duration> = times.into_iter().map(median).collect();
    for (i, name) in targets.iter().map(|t| t.name).enumerate() {
        println!(
            "{:>10} p50 ({:.2}x native), {:>10} CPU per request  {name}",
            fmt(p50[i]),
            p50[i].as_secs_f64() / p50[0].as_secs_f64(),
            fmt(cpu[i] / n)
        );
    }
    Ok(())
}

/// `requests` calls of each target at concurrency 1 (after `warmup` each),
/// in blocks of 100, each round of blocks in a new order, and the CPU each
/// target's server process used over its blocks.
///
/// - **Blocks, not request by request:** the fresh gateway's instantiations
///   slowed the warm one's next request by a third (caches, not the
///   gateway's own cost).
/// - **A new order each round** (a shuffle from a fixed seed, so runs
///   repeat it): in one fixed order, the target right after the native
///   proxy was the slowest in most runs (three servers of one build, in
///   that order, without the busy poll: 254, 198 and 232 us p50), so the
///   order favoured or penalised a row by where it stood. Shuffled, each
///   target takes each position, and follows each other, about equally
///   often.
async fn at_one(
    targets: &[Target],
    client: &PooledClient,
    warmup: usize,
    requests: usize,
) -> Result<(Vec<Vec<Duration>>, Vec<Duration>)> {
    const BLOCK: usize = 100;
    let n = targets.len();
    let mut times: Vec<Vec<Duration>> = (0..n).map(|_| Vec::with_capacity(requests)).collect();
    let mut cpu = vec![Duration::ZERO; n];
    for t in targets {
        for _ in 0..warmup {
            t.call(client).await?;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    // xorshift64, a fixed seed.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..requests.div_ceil(BLOCK) {
        for j in (1..n).rev() {
            order.swap(j, (next() % (j as u64 + 1)) as usize);
        }
        for &i in &order {
            let t = &targets[i];
            let before = t.pid.map(process_cpu);
            for _ in 0..BLOCK {
                times[i].push(t.call(client).await?);
            }
            if let (Some(pid), Some(before)) = (t.pid, before) {
                cpu[i] += process_cpu(pid).saturating_sub(before);
            }
        }
    }
    Ok((times, cpu))
}

/// What one spawned task costs on a runtime like `pbx-host serve`'s (tokio's
/// multi-thread runtime, a worker per core, here 2): spawned from a task on
/// a worker and awaited there, the median of 50 batches of 10,000. This is
/// the most that an outgoing handler spawning one task fewer per request
/// (BENCHMARKS.md, lever (a)) could save: wasmtime-wasi-http's `handle`
/// spawns its second task for a future that is already finished, so the
/// task is created, polled once and dropped, and the await here adds a wake
/// that the dropped handle does not have.
/// Its own thread: the benchmark's runtime is a current-thread one.
fn spawn_cost() -> Result<Duration> {
    std::thread::spawn(spawn_cost_here).join().map_err(|_| anyhow::anyhow!("the spawn measurement panicked"))?
}

fn spawn_cost_here() -> Result<Duration> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let batches = rt.block_on(async {
        tokio::spawn(async {
            let mut batches = Vec::new();
            for _ in 0..if quick() { 5 } else { 50 } {
                let t = Instant::now();
                for _ in 0..10_000 {
                    let _ = tokio::spawn(std::future::ready(())).await;
                }
                batches.push(t.elapsed() / 10_000);
            }
            batches
        })
        .await
    })?;
    Ok(median(batches))
}

/// The CPU time process `pid`'s threads have used, in nanoseconds from
/// `/proc/PID/task/*/schedstat` (`/proc/PID/stat` counts 10 ms ticks, too
/// coarse for a block of 100 requests).
fn process_cpu(pid: u32) -> Duration {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Duration::ZERO };
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|line| line.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .sum();
    Duration::from_nanos(ns)
}
