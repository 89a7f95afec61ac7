//! The instance limit (calls past it wait in line, then fail clearly) and
//! warm-instance reuse (state never crosses credentials).

use super::common::host;
use host_test::instances::{QueueTimeout, Reuse};
use host_test::kit::mock::{example, MockProvider, MockResponse, RecordedRequest};
use host_test::kit::mock_transport;
use host_test::{Host, HostOptions};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// A Ringostat `cfg` with this key.
fn ringostat_cfg(key: &str) -> Value {
    json!({"auth-key": key})
}

/// A RingMe `cfg` with application credentials.
fn ringme_app_cfg(base: &str, id: &str, secret: &str) -> Value {
    json!({"base-url": base, "auth": {"app": {"client-id": id, "client-secret": secret}}})
}

/// A host of its own (the shared one keeps the defaults).
fn host_with(max_instances: u32, queue_timeout: Duration, reuse: Option<Reuse>) -> Host {
    let opts = HostOptions { max_instances, queue_timeout, reuse, ..HostOptions::fast() };
    Host::load(&host_test::component_path(), &opts).expect("load the component")
}

/// 1,000 overlapping calls, each answered after 50 ms, through a host
/// whose pool has 256 instance slots: the calls past the pool wait for a
/// slot instead of failing (before, 78% failed with "maximum concurrent
/// limit of 256 for tables reached").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_overlapping_calls_all_succeed() {
    let mock = MockProvider::always(MockResponse::json(200, r#"["manager1"]"#).delayed(Duration::from_millis(50)))
        .unrecorded();
    let transport = mock_transport(mock.clone());
    // Its own host (engine and pool, the default 256 slots): filling the
    // shared host's pool made other tests' direct instantiations, which do
    // not wait in the host's line, fail with the pool's limit.
    let h = Arc::new(host_with(256, Duration::from_secs(60), None));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..1_000 {
        let (h, transport) = (h.clone(), transport.clone());
        set.spawn(async move {
            let args = json!({"cfg": ringostat_cfg(&format!("key-{i}"))});
            h.call(&transport, "ringostat.sip-online", &args).await
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = set.join_next().await {
        results.push(joined.expect("task").map_err(|e| format!("{e:#}")));
    }
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failures.is_empty(), "{} of 1000 failed, first: {:?}", failures.len(), failures.first());
    for r in &results {
        assert_eq!(r.as_ref().ok(), Some(&json!({"ok": ["manager1"]})));
    }
    assert_eq!(mock.served(), 1_000);
    assert!(mock.requests().is_empty(), "an unrecorded mock keeps no log");
}

/// The same with a pool of 2 slots: 50 overlapping calls queue behind them.
#[tokio::test]
async fn calls_past_a_small_limit_queue() {
    let h = Arc::new(host_with(2, Duration::from_secs(60), None));
    let mock = MockProvider::always(MockResponse::json(200, "[]").delayed(Duration::from_millis(20)));
    let transport = mock_transport(mock.clone());
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (h, transport) = (h.clone(), transport.clone());
        set.spawn(async move { h.call(&transport, "ringostat.sip-online", &json!({"cfg": ringostat_cfg("k")})).await });
    }
    while let Some(joined) = set.join_next().await {
        assert_eq!(joined.expect("task").expect("call"), json!({"ok": []}));
    }
    assert_eq!(mock.requests().len(), 50);
    assert_eq!(h.instances.available(), 2);
}

/// When every slot stays busy past the queue timeout, the call fails with
/// an error that names the instances and the limit, and sends nothing.
#[tokio::test]
async fn the_wait_is_bounded_and_the_error_names_the_limit() {
    let h = host_with(1, Duration::from_millis(50), None);
    let mock = MockProvider::builtin();
    let busy = h.instance(mock_transport(mock.clone())).await.expect("the one slot");
    let err = h
        .call(&mock_transport(mock.clone()), "ringostat.sip-online", &json!({"cfg": ringostat_cfg("k")}))
        .await
        .expect_err("no slot");
    let timeout = err.downcast_ref::<QueueTimeout>().expect("a QueueTimeout");
    assert_eq!(timeout, &QueueTimeout { limit: 1, waited: Duration::from_millis(50) });
    let text = err.to_string();
    assert!(text.contains("instance limit (1)") && text.contains("50 ms"), "{text}");
    assert!(mock.requests().is_empty(), "nothing was sent");
    drop(busy);
    let ok = h.call(&mock_transport(mock.clone()), "ringostat.sip-online", &json!({"cfg": ringostat_cfg("k")})).await;
    assert!(ok.is_ok(), "the freed slot serves the next call: {ok:?}");
}

/// The JSON-RPC `id` of each extended call-back, in order.
fn rpc_ids(mock: &MockProvider) -> Vec<u64> {
    mock.requests()
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).expect("JSON-RPC body")["id"].as_u64().expect("id"))
        .collect()
}

/// Warm reuse keeps an instance's JSON-RPC id counter for calls with the
/// same credentials only; another key gets its own instance; an instance
/// serves at most `max_calls` calls.
#[tokio::test]
async fn warm_instances_never_serve_other_credentials() {
    let h = host_with(8, Duration::from_secs(60), Some(Reuse { max_calls: 3, ..Reuse::default() }));
    let mock = MockProvider::builtin();
    let transport = mock_transport(mock.clone());
    let call = |key: &str| {
        let args = json!({"cfg": ringostat_cfg(key),
            "req": {"project-id": "11111", "caller": "380671112233", "callee": "manager1"}});
        let (h, transport) = (&h, transport.clone());
        async move { h.call(&transport, "ringostat.extended-callback", &args).await.expect("call") }
    };
    for key in ["tenant-a", "tenant-a", "tenant-b", "tenant-a", "tenant-b", "tenant-a"] {
        let out = call(key).await;
        assert!(out.get("ok").is_some(), "{out}");
    }
    let keys: Vec<String> = mock.requests().iter().map(|r| r.header("auth-key").unwrap_or("").to_string()).collect();
    assert_eq!(keys, ["tenant-a", "tenant-a", "tenant-b", "tenant-a", "tenant-b", "tenant-a"]);
    // a: 1, 2, 3 on one instance (then it is dropped: 3 calls), 1 on a fresh
    // one; b: 1, 2 on its own, never continuing a's sequence.
    assert_eq!(rpc_ids(&mock), [1, 2, 1, 3, 2, 1]);
    assert_eq!(h.instances.idle(), 2, "one warm instance per credential");
}

/// A warm instance idle for `max_idle` is dropped: the next call with the
/// same credentials gets a fresh instance (its JSON-RPC ids restart), and
/// one within `max_idle` continues on the warm one.
#[tokio::test]
async fn warm_instances_expire_when_idle() {
    let reuse = Reuse { max_calls: 100, max_idle: Duration::from_millis(800) };
    let h = host_with(8, Duration::from_secs(60), Some(reuse));
    let mock = MockProvider::builtin();
    let transport = mock_transport(mock.clone());
    let args = json!({"cfg": ringostat_cfg("tenant-a"),
        "req": {"project-id": "11111", "caller": "380671112233", "callee": "manager1"}});
    h.call(&transport, "ringostat.extended-callback", &args).await.expect("call");
    h.call(&transport, "ringostat.extended-callback", &args).await.expect("call");
    assert_eq!((h.instances.idle(), h.instances.expire()), (1, 0), "parked, not yet expired");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(h.instances.expire(), 1, "idle past max_idle: dropped");
    assert_eq!(h.instances.idle(), 0);
    h.call(&transport, "ringostat.extended-callback", &args).await.expect("call");
    // Expiry also happens on the way: idle again past max_idle, then a call.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    h.call(&transport, "ringostat.extended-callback", &args).await.expect("call");
    assert_eq!(rpc_ids(&mock), [1, 2, 1, 1]);
}

/// A RingMe stand-in that issues `tok-<client_id>` and answers extensions.
fn ringme_tokens() -> Arc<MockProvider> {
    MockProvider::new(|r: &RecordedRequest| {
        if r.path().ends_with("/oauth/token") {
            let form = host_test::kit::mock::decode_pairs(&r.body_text());
            let id = form.iter().find(|(k, _)| k == "client_id").map(|(_, v)| v.clone()).unwrap_or_default();
            let body = json!({"access_token": format!("tok-{id}"), "token_type": "bearer", "expires_in": 3600});
            MockResponse::json(200, &body.to_string())
        } else {
            MockResponse::json(200, example("ringme.extensions"))
        }
    })
}

/// The RingMe token cache survives on a warm instance (one token request
/// for three calls of one application) and is never reached by another
/// application or another base URL (each gets its own token request, and
/// each API call carries its own application's token).
#[tokio::test]
async fn warm_instances_keep_the_token_cache_per_credential() {
    let h = host_with(8, Duration::from_secs(60), Some(Reuse::default()));
    let mock = ringme_tokens();
    let transport = mock_transport(mock.clone());
    let a = ringme_app_cfg("https://rm.example", "app-a", "secret-a");
    let b = ringme_app_cfg("https://rm.example", "app-b", "secret-b");
    let a_elsewhere = ringme_app_cfg("https://other.example", "app-a", "secret-a");
    for cfg in [&a, &a, &b, &a, &a_elsewhere] {
        let out = h.call(&transport, "ringme.extensions", &json!({"cfg": cfg})).await.expect("call");
        assert!(out.get("ok").is_some(), "{out}");
    }
    let log: Vec<(String, String)> =
        mock.requests().iter().map(|r| (r.url.clone(), r.header("authorization").unwrap_or("").to_string())).collect();
    let token_requests: Vec<&String> =
        log.iter().filter(|(u, _)| u.ends_with("/oauth/token")).map(|(u, _)| u).collect();
    assert_eq!(
        token_requests,
        ["https://rm.example/oauth/token", "https://rm.example/oauth/token", "https://other.example/oauth/token"]
    );
    let api_auth: Vec<&str> = log.iter().filter(|(u, _)| u.contains("/api/ver1.0/")).map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        api_auth,
        ["Bearer tok-app-a", "Bearer tok-app-a", "Bearer tok-app-b", "Bearer tok-app-a", "Bearer tok-app-a"]
    );
    let form_ids: Vec<String> = mock
        .requests()
        .iter()
        .filter(|r| r.path().ends_with("/oauth/token"))
        .filter_map(|r| host_test::kit::mock::decode_pairs(&r.body_text()).into_iter().find(|(k, _)| k == "client_id"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(form_ids, ["app-a", "app-b", "app-a"]);
    assert_eq!(h.instances.idle(), 3);
}

/// Without `reuse`, every call gets a fresh instance (ids restart at 1)
/// and nothing is kept.
#[tokio::test]
async fn without_reuse_every_call_is_fresh() {
    let mock = MockProvider::builtin();
    let transport = mock_transport(mock.clone());
    let req = json!({"project-id": "11111", "caller": "380671112233", "callee": "manager1"});
    let args = json!({"cfg": ringostat_cfg("k"), "req": req});
    for _ in 0..3 {
        host().call(&transport, "ringostat.extended-callback", &args).await.expect("call");
    }
    assert_eq!(rpc_ids(&mock), [1, 1, 1]);
    assert_eq!(host().instances.idle(), 0);
}

/// A pooled slot that a fresh instance reuses starts clean, also where the
/// engine keeps slots resident and resets only the pages a call dirtied
/// (`PAGEMAP_SCAN`): with one slot, three fresh instances in turn each
/// fetch their own RingMe token, as no cache (a heap object in the 512 KiB
/// arena) survives its instance.
#[tokio::test]
async fn a_recycled_slot_starts_clean() {
    let h = host_with(1, Duration::from_secs(60), None);
    let mock = ringme_tokens();
    let transport = mock_transport(mock.clone());
    let a = ringme_app_cfg("https://rm.example", "app-a", "secret-a");
    for _ in 0..3 {
        let out = h.call(&transport, "ringme.extensions", &json!({"cfg": a})).await.expect("call");
        assert!(out.get("ok").is_some(), "{out}");
    }
    let tokens = mock.requests().iter().filter(|r| r.path().ends_with("/oauth/token")).count();
    assert_eq!(tokens, 3, "each fresh instance fetched its own token");
    // The same host, on one instance: the cache works (one more token).
    let (mut store, instance) = h.instantiate(transport.clone()).await.expect("instance");
    for _ in 0..3 {
        let func = host_test::dynamic::find(&mut store, &instance, "ringme.extensions").expect("export");
        host_test::dynamic::call(&mut store, func, &json!({"cfg": a})).await.expect("call");
    }
    let tokens = mock.requests().iter().filter(|r| r.path().ends_with("/oauth/token")).count();
    assert_eq!(tokens, 4, "one instance fetched one token for three calls");
}

/// Slots are kept resident (and reset by scanning) wherever the kernel
/// allows it; the suite's host then runs every test that way.
#[test]
fn slots_stay_resident_where_the_kernel_allows() {
    let expected = host_test::keep_resident_available();
    assert!(host_test::engine_tuned(true, 4, expected).is_ok());
    if !expected {
        assert!(host_test::engine_tuned(true, 4, true).is_err(), "asking for it where it is missing fails");
    }
}
