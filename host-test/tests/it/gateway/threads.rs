//! Serving on a thread per core (`Server::start_per_core`, what `pbx-host
//! serve` runs): connections are spread over the threads, each request is
//! served (its instance run, its provider request sent) on the thread that
//! accepted its connection, and `stop` closes the listener of every
//! thread. (Which thread accepts a connection is the
//! kernel's choice, so no test asserts a spread.)
use super::*;
use host_test::kit::mock::example;
use host_test::transport::{FnHook, Transport};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// A transport answering like `mock` that records, for each provider
/// request, the name of the thread that sent it.
fn recording(mock: &Arc<MockProvider>, threads: &Arc<Mutex<Vec<String>>>) -> Transport {
    let (mock, threads) = (mock.clone(), threads.clone());
    let key = host_test::kit::mock::wasi::key(&mock);
    Transport::Hook(Arc::new(FnHook::new(key, move |request, options| {
        let name = std::thread::current().name().unwrap_or("unnamed").to_string();
        threads.lock().unwrap().push(name);
        host_test::kit::mock::wasi::send(mock.clone(), request, options)
    })))
}

#[tokio::test]
async fn connections_are_served_on_the_threads_that_accepted_them() {
    let mock = MockProvider::builtin();
    let sent_on = Arc::new(Mutex::new(Vec::new()));
    let reuse = Some(Reuse::default());
    let (_host, g) = gateway_host_with(8, Duration::from_secs(10), reuse, &mock, |o| {
        o.transport = recording(&mock, &sent_on);
    });
    let server = Server::start_per_core(Arc::new(g), "127.0.0.1:0".parse().unwrap(), 2).await.expect("serve");
    // 8 connections at once, 3 requests each (keep-alive).
    let want: Value = serde_json::from_str(example("ringostat.sip-online")).unwrap();
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let client = Client::new(server.addr);
            tokio::spawn(async move {
                let mut answers = Vec::new();
                for _ in 0..3 {
                    answers.push(client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await);
                }
                answers
            })
        })
        .collect();
    for c in clients {
        for a in c.await.expect("client task") {
            assert_eq!(ok(&a.expect("request")), want);
        }
    }
    let names = sent_on.lock().unwrap().clone();
    assert_eq!(names.len(), 24, "{names:?}");
    let threads: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert!(threads.iter().all(|t| t.starts_with("pbx-serve-")), "sent from {threads:?}");
    assert_eq!(mock.requests().len(), 24);
    let addr = server.addr;
    server.stop().await;
    // Stopped: every thread has stopped accepting and closed its listener.
    assert!(Client::new(addr).get("/v1/health", None).await.is_err());
}

#[tokio::test]
async fn a_connection_open_at_the_stop_is_served_to_its_end() {
    let mock = MockProvider::builtin();
    let (_host, g) = gateway_host_with(4, Duration::from_secs(10), None, &mock, |_| {});
    let server = Server::start_per_core(Arc::new(g), "127.0.0.1:0".parse().unwrap(), 2).await.expect("serve");
    let addr = server.addr;
    let client = Client::new(addr);
    let want: Value = serde_json::from_str(example("ringostat.sip-online")).unwrap();
    let first = client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await.expect("before");
    assert_eq!(ok(&first), want);
    server.stop().await;
    // No new connection is taken...
    assert!(Client::new(addr).get("/v1/health", None).await.is_err());
    // ...and the open one is still served (its thread ends with it).
    let after = client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await.expect("after");
    assert_eq!(ok(&after), want);
    assert_eq!(mock.requests().len(), 2);
}

/// The thread id (`/proc/thread-self`'s) of the calling thread.
fn thread_id() -> String {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    link.file_name().expect("a task id").to_string_lossy().into_owned()
}

/// A thread's CPU time so far, from its `schedstat` (nanoseconds).
fn thread_cpu(tid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).expect("schedstat");
    Duration::from_nanos(stat.split_whitespace().next().and_then(|n| n.parse().ok()).expect("run time"))
}

/// A thread's voluntary context switches so far: how often it slept.
fn thread_sleeps(tid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).expect("status");
    let line = status.lines().find(|l| l.starts_with("voluntary_ctxt_switches:")).expect("voluntary switches");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("a count")
}

/// Serves 200 requests one after another, on one connection, with the
/// busy poll at `busy_poll`: how often the serving thread slept during
/// them, and the CPU it spent in the half second after (from 100 ms on).
async fn polled(busy_poll: Duration) -> (u64, Duration) {
    let mock = MockProvider::builtin();
    let tids = Arc::new(Mutex::new(BTreeSet::new()));
    let (_host, g) = gateway_host_with(4, Duration::from_secs(10), Some(Reuse::default()), &mock, |o| {
        o.busy_poll = busy_poll;
        let (mock, tids) = (mock.clone(), tids.clone());
        let key = host_test::kit::mock::wasi::key(&mock);
        o.transport = Transport::Hook(Arc::new(FnHook::new(key, move |request, options| {
            tids.lock().unwrap().insert(thread_id());
            host_test::kit::mock::wasi::send(mock.clone(), request, options)
        })));
    });
    let server = Server::start_per_core(Arc::new(g), "127.0.0.1:0".parse().unwrap(), 2).await.expect("serve");
    let client = Client::new(server.addr);
    let want: Value = serde_json::from_str(example("ringostat.sip-online")).unwrap();
    // The first request finds the serving thread.
    let answer = client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await;
    assert_eq!(ok(&answer.expect("request")), want);
    let tid = {
        let tids = tids.lock().unwrap();
        assert_eq!(tids.len(), 1, "one connection, one thread: {tids:?}");
        tids.first().unwrap().clone()
    };
    let slept_before = thread_sleeps(&tid);
    for _ in 0..200 {
        let answer = client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await;
        assert_eq!(ok(&answer.expect("request")), want);
    }
    let slept = thread_sleeps(&tid) - slept_before;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = thread_cpu(&tid);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_cpu = thread_cpu(&tid) - before;
    server.stop().await;
    (slept, idle_cpu)
}

/// The busy poll (host/src/serve/poll.rs), on by default at 200 us: while
/// requests come close together the serving thread polls instead of
/// sleeping between them, and once none comes it stops polling and
/// sleeps. Here with a window of up to 20 ms, so that this debug build's
/// client, between two requests, is well within it: the thread slept
/// under 50 times in 200 requests, against over 100 times (179 in the
/// first run) without the poll, and spent under half of an idle half second (a
/// poll that never stopped would spend all of it).
#[tokio::test]
async fn a_serving_thread_polls_between_close_requests_and_sleeps_once_idle() {
    assert_eq!(ServeOptions::new(Vec::new(), Transport::Network).busy_poll, Duration::from_micros(200));
    let (slept, idle_cpu) = polled(Duration::from_millis(20)).await;
    eprintln!("with the poll: slept {slept} times, {idle_cpu:?} of CPU idle");
    assert!(slept < 50, "with the poll, the serving thread slept {slept} times in 200 requests");
    assert!(idle_cpu < Duration::from_millis(250), "with the poll, {idle_cpu:?} of CPU in 500 ms idle");
    let (slept, _) = polled(Duration::ZERO).await;
    assert!(slept >= 100, "without the poll, the serving thread slept {slept} times in 200 requests");
}
