//! Instances: warm reuse only for server-held credentials, the instance
//! limit and its queue.
use super::*;
use host_test::kit::mock::MockResponse;
use host_test::serve::credential_free;

/// The JSON-RPC ids the mock received, in order.
fn rpc_ids(mock: &MockProvider) -> Vec<(String, u64)> {
    mock.requests()
        .iter()
        .map(|r| {
            let id = serde_json::from_slice::<Value>(&r.body).expect("JSON-RPC")["id"].as_u64().expect("id");
            (r.header("auth-key").unwrap_or("").to_string(), id)
        })
        .collect()
}

/// Requests on the server-held credentials share warm instances; a request
/// with its own `cfg` gets a fresh instance and leaves no state behind.
#[tokio::test]
async fn warm_gateway_instances_serve_only_server_held_credentials() {
    let mock = MockProvider::builtin();
    let (h, g) = gateway_host(8, Duration::from_secs(60), Some(Reuse { max_calls: 100, ..Reuse::default() }), &mock);
    let mut s = Served::on(g, mock.clone()).await;
    let req = json!({"project-id": "11111", "caller": "380671112233", "callee": "manager1"});
    let server_held = json!({"req": req});
    let callers = json!({"req": req, "cfg": caller_ringostat_cfg(None)});
    for body in [&server_held, &server_held, &callers, &server_held, &callers] {
        ok(&s.post("ringostat/extended-callback", body.clone()).await);
    }
    let ids = rpc_ids(&mock);
    let expect: Vec<(String, u64)> = [
        (RINGOSTAT_KEY, 1),
        (RINGOSTAT_KEY, 2),
        (CALLER_RINGOSTAT_KEY, 1),
        (RINGOSTAT_KEY, 3),
        (CALLER_RINGOSTAT_KEY, 1),
    ]
    .into_iter()
    .map(|(k, i)| (k.to_string(), i))
    .collect();
    assert_eq!(ids, expect);
    assert_eq!(h.instances.idle(), 1, "only the server-held instance is kept");
    s.finish().await;
}

/// Past the instance limit requests wait; past the queue timeout the answer
/// is 503 naming the limit, and the next request is served again.
#[tokio::test]
async fn the_gateway_queues_then_refuses_past_the_limit() {
    let mock = MockProvider::new(|r| {
        let delay = if r.header("auth-key") == Some("slow") { 2_000 } else { 0 };
        MockResponse::json(200, r#"["m1"]"#).delayed(Duration::from_millis(delay))
    });
    let (_h, g) = gateway_host(1, Duration::from_millis(100), None, &mock);
    let s = Served::on(g, mock.clone()).await;
    let client = s.client.clone();
    let slow = tokio::spawn(async move {
        let body = json!({"cfg": {"auth-key": "slow", "timeout-ms": 10_000}});
        client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &body).await.expect("slow request")
    });
    while mock.served() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let a = s.client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await.expect("request");
    let e = error(&a, 503, "overloaded");
    assert!(e["detail"].as_str().is_some_and(|m| m.contains("instance limit (1)")), "{e}");
    assert_eq!(a.header("retry-after"), Some("1"));
    assert_eq!(mock.served(), 1, "the refused request sent nothing");
    assert_eq!(ok(&slow.await.expect("task")), json!(["m1"]));
    let a = s.client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await.expect("request");
    assert_eq!(ok(&a), json!(["m1"]));
    s.finish().await;
}

/// Many overlapping HTTP requests through a pool of 4 instances all succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_requests_queue_for_instances() {
    let mock =
        MockProvider::always(MockResponse::json(200, r#"["m1"]"#).delayed(Duration::from_millis(20))).unrecorded();
    let (_h, g) = gateway_host(4, Duration::from_secs(60), None, &mock);
    let s = Served::on(g, mock.clone()).await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let client = s.client.clone();
        set.spawn(async move { client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await });
    }
    while let Some(joined) = set.join_next().await {
        let a = joined.expect("task").expect("request");
        assert_eq!(ok(&a), json!(["m1"]));
    }
    assert_eq!(mock.served(), 200);
    s.finish().await;
}

/// A telephony request whose `account` carries its own RingMe config never
/// gets the warm instance of server-held calls, so never its token cache:
/// even with the very credentials the server holds, each such request asks
/// for its own token, while the server-held calls share one.
#[tokio::test]
async fn an_account_with_its_own_config_never_meets_the_warm_token_cache() {
    let mock = MockProvider::builtin();
    let (h, g) = gateway_host(8, Duration::from_secs(60), Some(Reuse { max_calls: 100, ..Reuse::default() }), &mock);
    let mut s = Served::on(g, mock.clone()).await;
    let held = json!({"account": "ringme"});
    // The server's credentials, on a caller host the allow-list names.
    let own = json!({"account": {"ringme": {"base-url": "https://caller-ringme.example", "auth": {"app": {
        "client-id": host_test::kit::mock::ringme::CLIENT_ID,
        "client-secret": host_test::kit::mock::ringme::CLIENT_SECRET}}}}});
    for body in [&held, &held, &own, &held, &own] {
        ok(&s.post("telephony/agent-states", body.clone()).await);
    }
    let tokens = s.mock.requests().iter().filter(|r| r.path().ends_with("/oauth/token")).count();
    assert_eq!(tokens, 3, "one for the warm server-held instance, one per request with its own config");
    assert_eq!(h.instances.idle(), 1, "only the server-held instance is kept");
    s.finish().await;
}

/// Which argument objects may share the warm server-held instance.
#[test]
fn warm_reuse_needs_arguments_free_of_credentials() {
    let free = |v: Value| credential_free(v.as_object().expect("an object"));
    for ok in [
        json!({}),
        json!({"cfg": null, "req": {"project-id": "1", "caller": "380671112233", "callee": "m1"}}),
        json!({"account": "tring"}),
        json!({"account": {"ringme": null}}),
        json!({"account": {"ringostat": {"project-id": "11111"}}, "employee": "m1", "customer": "380671112233"}),
        json!({"account": {"ringostat": {"project-id": "11111", "config": null}}}),
        json!({"nodes": [1, 2, {"id": "x"}]}),
    ] {
        assert!(free(ok.clone()), "{ok}");
    }
    for own in [
        json!({"cfg": {"auth-key": "k"}}),
        json!({"cfg": {}}),
        json!({"account": {"ringme": {"base-url": "https://rm.example", "auth": {"bearer": "t"}}}}),
        json!({"account": {"tring": {"server": "https://pbx.example", "api-key": "k"}}}),
        json!({"account": {"ringostat": {"project-id": "1", "config": {"auth-key": "k"}}}}),
        json!({"account": {"ringostat": {"project-id": "1", "extra": 1}}}),
        json!({"account": {"tring": null, "ringme": null}}),
        json!({"account": 5}),
        json!({"token": "t", "project-id": "1"}),
        json!({"username": "u", "password": "p"}),
        json!({"dest": "1", "server": "https://sms.example"}),
        json!({"req": {"nested": [{"Client-Secret": "s"}]}}),
        json!({"x": {"base-url": "https://elsewhere.example"}}),
    ] {
        assert!(!free(own.clone()), "{own}");
    }
}

/// Two gateways on one host (one warm pool) with settings of their own:
/// a warm instance holds its gateway's settings (its environment is baked
/// into its store), so it serves only its own gateway. Before the gateway
/// was part of the warm key, the second gateway's request took the first
/// one's instance and went out with the first one's credential.
#[tokio::test]
async fn gateways_sharing_a_host_keep_their_warm_instances_apart() {
    let mock = MockProvider::builtin();
    let opts = HostOptions { reuse: Some(Reuse { max_calls: 100, ..Reuse::default() }), ..HostOptions::fast() };
    let h = Host::load(&host_test::component_path(), &opts).expect("load the component");
    let with_key = |key: &str| {
        let mut env = server_env();
        env.retain(|(k, _)| k != "PBX_RINGOSTAT_AUTH_KEY");
        env.push(("PBX_RINGOSTAT_AUTH_KEY".into(), key.into()));
        let serve = ServeOptions::new(env, mock_transport(mock.clone()));
        Gateway::load(&h, &gateway_path(), &opts, serve).expect("load the gateway")
    };
    let (a, b) = (with_key("gateway-a-key-3d91"), with_key("gateway-b-key-72c4"));
    let mut sa = Served::on(a, mock.clone()).await;
    let mut sb = Served::on(b, mock.clone()).await;
    for _ in 0..2 {
        ok(&sa.post("ringostat/sip-online", json!({})).await);
        ok(&sb.post("ringostat/sip-online", json!({})).await);
    }
    let sent: Vec<String> =
        mock.requests().iter().map(|r| r.header("auth-key").unwrap_or_default().to_string()).collect();
    assert_eq!(sent, ["gateway-a-key-3d91", "gateway-b-key-72c4", "gateway-a-key-3d91", "gateway-b-key-72c4"]);
    assert_eq!(h.instances.idle(), 2, "a warm instance for each gateway");
    sa.finish().await;
    sb.finish().await;
}
