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
/// request, `what` of the thread that sent it (`what` runs on that thread).
fn recording<T: Send + 'static>(mock: &Arc<MockProvider>, seen: &Arc<Mutex<Vec<T>>>, what: fn() -> T) -> Transport {
    let (mock, seen) = (mock.clone(), seen.clone());
    let key = host_test::kit::mock::wasi::key(&mock);
    Transport::Hook(Arc::new(FnHook::new(key, move |request, options| {
        seen.lock().unwrap().push(what());
        host_test::kit::mock::wasi::send(mock.clone(), request, options)
    })))
}

/// The calling thread's name.
fn thread_name() -> String {
    std::thread::current().name().unwrap_or("unnamed").to_string()
}

#[tokio::test]
async fn connections_are_served_on_the_threads_that_accepted_them() {
    let mock = MockProvider::builtin();
    let sent_on = Arc::new(Mutex::new(Vec::new()));
    let reuse = Some(Reuse::default());
    let (_host, g) = gateway_host_with(8, Duration::from_secs(10), reuse, &mock, |o| {
        o.transport = recording(&mock, &sent_on, thread_name);
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
#[cfg(target_os = "linux")]
fn thread_id() -> String {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    link.file_name().expect("a task id").to_string_lossy().into_owned()
}

/// A thread's CPU time so far, from its `schedstat` (nanoseconds).
#[cfg(target_os = "linux")]
fn thread_cpu(tid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).expect("schedstat");
    Duration::from_nanos(stat.split_whitespace().next().and_then(|n| n.parse().ok()).expect("run time"))
}

/// Serves 200 requests one after another, on one connection, with the
/// busy poll at `busy_poll`: how often the serving thread's runtime parked
/// (tokio's count: the thread went to sleep) during them, and the thread's
/// id.
#[cfg(target_os = "linux")]
async fn polled(busy_poll: Duration) -> (u64, String, Server) {
    let mock = MockProvider::builtin();
    // The serving thread's runtime and id, taken where it sends.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (_host, g) = gateway_host_with(4, Duration::from_secs(10), Some(Reuse::default()), &mock, |o| {
        o.busy_poll = busy_poll;
        o.transport = recording(&mock, &seen, || (thread_id(), tokio::runtime::Handle::current()));
    });
    let server = Server::start_per_core(Arc::new(g), "127.0.0.1:0".parse().unwrap(), 2).await.expect("serve");
    let client = Client::new(server.addr);
    let want: Value = serde_json::from_str(example("ringostat.sip-online")).unwrap();
    // The first request finds the serving thread.
    let answer = client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await;
    assert_eq!(ok(&answer.expect("request")), want);
    let (tid, runtime) = seen.lock().unwrap()[0].clone();
    let parks = || runtime.metrics().worker_park_count(0);
    let parked_before = parks();
    for _ in 0..200 {
        let answer = client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await;
        assert_eq!(ok(&answer.expect("request")), want);
    }
    let parked = parks() - parked_before;
    let threads: BTreeSet<String> = seen.lock().unwrap().iter().map(|(t, _)| t.clone()).collect();
    assert_eq!(threads.len(), 1, "one connection, one thread: {threads:?}");
    (parked, tid, server)
}

/// The busy poll (host/src/serve/poll.rs), on by default at 200 us: while
/// requests come close together the serving thread polls instead of
/// sleeping between them, and once none comes it stops polling and
/// sleeps. Here with a window of up to 20 ms, so that this debug build's
/// client, between two requests, is well within it: the thread's runtime
/// parked under a third as often as without the poll, where it parks
/// about once a request; and once idle it is soon back to sleep (a poll
/// that never stopped would spend every sample).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_serving_thread_polls_between_close_requests_and_sleeps_once_idle() {
    assert_eq!(ServeOptions::new(Vec::new(), Transport::Network).busy_poll, Duration::from_micros(200));
    let (without, _, server) = polled(Duration::ZERO).await;
    server.stop().await;
    let (with, tid, server) = polled(Duration::from_millis(20)).await;
    assert!(without >= 100, "without the poll, the runtime parked {without} times in 200 requests");
    assert!(with * 3 < without, "the runtime parked {with} times with the poll, {without} without");
    // Idle: within 3 s, a tenth of a second in which the thread spent
    // under 5 ms of CPU.
    let mut samples = Vec::new();
    for _ in 0..30 {
        let before = thread_cpu(&tid);
        tokio::time::sleep(Duration::from_millis(100)).await;
        samples.push(thread_cpu(&tid) - before);
        if samples.last() < Some(&Duration::from_millis(5)) {
            break;
        }
    }
    assert!(samples.last() < Some(&Duration::from_millis(5)), "never idle: {samples:?}");
    server.stop().await;
}

/// What bounds the busy poll against a client: a thread polls no longer
/// than it has just worked. One connection sends a request head a byte
/// every 2 ms for half a second (no token needed, nothing to answer until
/// the head is whole), with a window of up to 20 ms, so every gap is
/// within it: the serving thread spends well under half of that time on
/// CPU, where a poll bounded by the window alone spent all of it.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_trickle_of_bytes_does_not_keep_the_thread_polling() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mock = MockProvider::builtin();
    let tids = Arc::new(Mutex::new(Vec::new()));
    let (_host, g) = gateway_host_with(4, Duration::from_secs(10), Some(Reuse::default()), &mock, |o| {
        o.busy_poll = Duration::from_millis(20);
        o.transport = recording(&mock, &tids, thread_id);
    });
    let server = Server::start_per_core(Arc::new(g), "127.0.0.1:0".parse().unwrap(), 2).await.expect("serve");
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.expect("connect");
    stream.set_nodelay(true).unwrap();
    // One request finds the connection's thread.
    let request = format!(
        "POST /v1/ringostat/sip-online HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {TOKEN}\r\n\
         content-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = stream.read(&mut answer).await.expect("an answer");
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..n]));
    let tid = tids.lock().unwrap()[0].clone();
    let head = b"GET /v1/health HTTP/1.1\r\nhost: x\r\n\r\n";
    let (start, before) = (std::time::Instant::now(), thread_cpu(&tid));
    for byte in head.iter().cycle().take(250) {
        stream.write_all(&[*byte]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let (wall, spent) = (start.elapsed(), thread_cpu(&tid) - before);
    assert!(spent < wall / 2, "the serving thread spent {spent:?} of CPU in {wall:?}");
    server.stop().await;
}
