//! What every section of the table shares: its rows, the run counts and
//! medians, the figures' text, and the loopback stand-in (a leaf: main.rs
//! and the gateway rows import it).

use anyhow::Result;
use std::time::{Duration, Instant};

/// One line of the table.
pub(crate) struct Row {
    pub(crate) what: String,
    pub(crate) value: String,
    pub(crate) target: String,
}

/// Whether the section `name` runs (`PBX_BENCH_ONLY`; all by default).
pub(crate) fn section(name: &str) -> bool {
    match std::env::var("PBX_BENCH_ONLY") {
        Ok(only) => only.split(',').any(|s| s.trim() == name),
        Err(_) => true,
    }
}

pub(crate) fn quick() -> bool {
    std::env::var_os("PBX_BENCH_QUICK").is_some()
}

pub(crate) fn runs(n: usize) -> usize {
    if quick() {
        (n / 10).max(3)
    } else {
        n
    }
}

pub(crate) fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub(crate) fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The median time of `n` runs of `f`.
pub(crate) fn time_median(n: usize, mut f: impl FnMut()) -> Duration {
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

pub(crate) fn fmt(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.1} us", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

pub(crate) fn verdict(ok: bool, miss: String) -> String {
    if ok {
        "met".into()
    } else {
        format!("MISSED: {miss}")
    }
}

/// The loopback Ringostat stand-in every section sends to (the native
/// client and the component alike).
pub(crate) async fn start_server() -> Result<String> {
    Ok(host_test::kit::standin::sip_online("bench-key").await?.base)
}
