//! Smoke test and crude timing of the WASI 0.3 (p3) `sip-online`
//! (`host_test::p3`), with the p2 component's same call beside it, all
//! against one loopback server and through one keep-alive pool:
//!
//! ```sh
//! cargo build --release --target wasm32-wasip2 --manifest-path p3/Cargo.toml
//! cargo run --profile bench -p host-test --features p3 --example p3_smoke
//! ```
//!
//! `P3_SMOKE_RUNS` sets the calls per row (default 2000).

use anyhow::{ensure, Result};
use host_test::bindings::exports::telephony::pbx::ringostat::Config;
use host_test::p3::{p3_component_path, P3Host};
use host_test::{Host, HostOptions, Transport};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use host_test::kit::standin::ONLINE;
const KEY: &str = "smoke-key";

/// A server that answers with the head and the first bytes of a 100-byte
/// body, then stalls: only the component's own deadline ends the call (the
/// pooled transport applies the first-byte timeout, not the between-bytes one).
async fn start_stalling_server() -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n[\"a\"";
                let _ = stream.write_all(head.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    Ok(format!("http://{addr}"))
}

/// Median and 90th percentile of `$n` timed runs of `$call` (an async
/// expression giving `Result<Vec<String>>`), each answer checked.
macro_rules! time {
    ($n:expr, $call:expr) => {{
        let want: Vec<String> = serde_json::from_str(ONLINE)?;
        let mut times = Vec::with_capacity($n);
        for _ in 0..$n {
            let t = Instant::now();
            let got: Vec<String> = $call.await?;
            times.push(t.elapsed());
            ensure!(got == want, "unexpected answer {got:?}");
        }
        summary(times)
    }};
}

/// Median and 90th percentile of `$n` timed runs of `$op` (an async
/// expression giving a `Result`), results dropped after the clock stops.
macro_rules! time_only {
    ($n:expr, $op:expr) => {{
        let mut times = Vec::with_capacity($n);
        for _ in 0..$n {
            let t = Instant::now();
            let kept = $op.await?;
            times.push(t.elapsed());
            drop(kept);
        }
        summary(times)
    }};
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    format!("median {:7.1} us   p90 {:7.1} us", us(times[times.len() / 2]), us(times[times.len() * 9 / 10]))
}

fn main() -> Result<()> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(run())
}

async fn run() -> Result<()> {
    let n: usize = std::env::var("P3_SMOKE_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let standin = host_test::kit::standin::sip_online(KEY).await?;
    let base = standin.base.clone();
    let transport = Transport::guarded(Arc::new(host_test::guard::AllowedHosts::parse(Some("http://127.0.0.1:*"))?));

    let t = Instant::now();
    let p3 = P3Host::load_default(transport.clone())?;
    println!("p3 component {} loaded in {:?}", p3_component_path().display(), t.elapsed());

    // Correctness first: the list, a refused key, a deadline.
    let got = p3.sip_online(KEY, &base, 5_000).await?;
    println!("p3 fresh sip-online: {got:?}");
    let refused = p3.sip_online("wrong-key", &base, 5_000).await.expect_err("401 must fail");
    println!("p3 with a wrong key: {refused}");
    ensure!(!refused.to_string().contains("wrong-key"), "the key leaked into the error");
    let silent = TcpListener::bind("127.0.0.1:0").await?;
    let silent_url = format!("http://{}", silent.local_addr()?);
    let t = Instant::now();
    let late = p3.sip_online(KEY, &silent_url, 200).await.expect_err("a silent server must time out");
    println!("p3 against a silent server, 200 ms deadline: {late} after {:?}", t.elapsed());
    let stalling = start_stalling_server().await?;
    let t = Instant::now();
    let late = p3.sip_online(KEY, &stalling, 300).await.expect_err("a stalled body must time out");
    println!("p3 against a stalled body, 300 ms deadline: {late} after {:?}", t.elapsed());
    ensure!(late.to_string().ends_with("timeout"), "expected the component's own deadline");
    let mut reused = p3.reused().await?;
    println!("p3 reused sip-online: {:?}", reused.sip_online(KEY, &base, 5_000).await?);
    // The same instance after a call its deadline cut short (the
    // cancelled `client.send` or body read) still serves.
    let late = reused.sip_online(KEY, &stalling, 100).await.expect_err("a stalled body must time out");
    ensure!(late.to_string().ends_with("timeout"), "expected the component's own deadline");
    println!("p3 reused after a timeout: {:?}", reused.sip_online(KEY, &base, 5_000).await?);

    let p2 = Host::load(&host_test::component_path(), &HostOptions::fast())?;
    let cfg =
        Config { auth_key: KEY.into(), base_url: Some(base.clone()), timeout_ms: Some(5_000), max_body_bytes: None };
    let (mut p2_store, p2_reused) = p2.ringostat(transport.clone()).await?;

    println!("{n} calls each, loopback keep-alive server, current-thread runtime:");
    let row = time!(n, p3.sip_online(KEY, &base, 5_000));
    println!("  p3 fresh instance   {row}");
    let row = time!(n, reused.sip_online(KEY, &base, 5_000));
    println!("  p3 reused instance  {row}");
    let row = time!(n, async {
        let (mut store, ringostat) = p2.ringostat(transport.clone()).await?;
        ringostat.call_sip_online(&mut store, &cfg).await?.map_err(|e| anyhow::anyhow!("{e:?}"))
    });
    println!("  p2 fresh instance   {row}");
    let row =
        time!(n, async { p2_reused.call_sip_online(&mut p2_store, &cfg).await?.map_err(|e| anyhow::anyhow!("{e:?}")) });
    println!("  p2 reused instance  {row}");
    let row = time_only!(n, p3.reused());
    println!("  p3 instantiate only {row}");
    let row = time_only!(n, p2.instantiate(transport.clone()));
    println!("  p2 instantiate only {row}");
    // One keep-alive connection serves every call of every row (the 401
    // closes none either).
    // The first call on a new instance, instantiation and store drop
    // outside the clock (instances are dropped 100 at a time, untimed).
    let mut times = Vec::with_capacity(n);
    let mut kept = Vec::new();
    for _ in 0..n {
        let mut r = p3.reused().await?;
        let t = Instant::now();
        r.sip_online(KEY, &base, 5_000).await?;
        times.push(t.elapsed());
        kept.push(r);
        if kept.len() == 100 {
            kept.clear();
        }
    }
    drop(kept);
    println!("  p3 1st call only    {}", summary(times));
    let mut times = Vec::with_capacity(n);
    let mut kept = Vec::new();
    for _ in 0..n {
        let (mut store, ringostat) = p2.ringostat(transport.clone()).await?;
        let t = Instant::now();
        ringostat.call_sip_online(&mut store, &cfg).await?.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        times.push(t.elapsed());
        kept.push(store);
        if kept.len() == 100 {
            kept.clear();
        }
    }
    drop(kept);
    println!("  p2 1st call only    {}", summary(times));
    println!("connections the server accepted in all: {}", standin.connections());
    Ok(())
}
