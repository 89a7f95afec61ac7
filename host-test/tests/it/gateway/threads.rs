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
