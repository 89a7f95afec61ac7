//! The operator's settings: the gateway token (closed without one, opened
//! for local use), the allow-list of hosts a caller's URL may name, the
//! bound on timeouts.
use super::*;
use host_test::kit::mock::{example, MockResponse};
use host_test::serve::open_gateway;

/// `env` without the variables named in `drop`, with `add`.
fn env_with(drop: &[&str], add: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> =
        server_env().into_iter().filter(|(k, _)| !drop.contains(&k.as_str())).collect();
    env.extend(add.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

/// `PBX_GATEWAY_AUTH=none` without a token opens the gateway: allowed on a
/// loopback address with a warning, refused on any other (the server does
/// not start); a token, or no `PBX_GATEWAY_AUTH`, needs no check.
#[tokio::test]
async fn an_open_gateway_serves_on_loopback_only() {
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    let open = env(&[("PBX_GATEWAY_AUTH", "none"), ("PBX_RINGOSTAT_AUTH_KEY", RINGOSTAT_KEY)]);
    for addr in ["0.0.0.0:8080", "[::]:8080", "192.168.1.10:80", "10.0.0.1:8080"] {
        let e = open_gateway(&open, addr.parse().unwrap()).expect_err(addr);
        let text = format!("{e:#}");
        assert!(text.contains("PBX_GATEWAY_AUTH=none") && text.contains(addr), "{text}");
        assert!(!text.contains(RINGOSTAT_KEY), "{text}");
    }
    for addr in ["127.0.0.1:8080", "[::1]:8080", "127.0.0.2:0"] {
        let w = open_gateway(&open, addr.parse().unwrap()).expect(addr).expect("a warning");
        assert!(w.contains("warning") && w.contains("PBX_GATEWAY_AUTH=none"), "{w}");
    }
    let with_token = env(&[("PBX_GATEWAY_AUTH", "none"), ("PBX_GATEWAY_TOKEN", TOKEN)]);
    assert!(open_gateway(&with_token, "0.0.0.0:8080".parse().unwrap()).expect("token").is_none());
    let closed = env(&[("PBX_GATEWAY_AUTH", "")]);
    assert!(open_gateway(&closed, "0.0.0.0:8080".parse().unwrap()).expect("closed").is_none());
    assert!(open_gateway(&env(&[("PBX_GATEWAY_AUTH", " NONE ")]), "0.0.0.0:1".parse().unwrap()).is_err());
    // The server refuses to start on such an address.
    let gateway = Gateway::from_component(
        host(),
        gateway_component().clone(),
        ServeOptions::new(open.clone(), mock_transport(MockProvider::builtin())),
    )
    .expect("link");
    let refused = Server::start(Arc::new(gateway), "0.0.0.0:0".parse().unwrap()).await;
    assert!(refused.is_err(), "an open gateway on a wildcard address must not start");
}

/// Every spelling of a URL the allow-list does not allow, in every place a
/// URL travels (a `cfg`, a telephony `account`, TRiNG's bare host), is
/// refused with 403 naming the host, and nothing reaches the provider.
#[tokio::test]
async fn a_url_the_allow_list_does_not_allow_sends_nothing() {
    let env = env_with(&["PBX_ALLOWED_HOSTS"], &[("PBX_ALLOWED_HOSTS", "https://*.tring.nu, http://127.0.0.1:9099")]);
    let mut s = Served::start(MockProvider::builtin(), env).await;
    let ringostat =
        |url: &str| ("ringostat/sip-online", json!({"cfg": {"auth-key": CALLER_RINGOSTAT_KEY, "base-url": url}}));
    let tring = |server: &str| ("tring/count-peers", json!({"cfg": {"server": server, "api-key": CALLER_TRING_KEY}}));
    let ringme =
        |url: &str| ("ringme/extensions", json!({"cfg": {"base-url": url, "auth": {"bearer": CALLER_RINGME_TOKEN}}}));
    let account = |acc: Value| ("telephony/agent-states", json!({ "account": acc }));
    // (route, body, field, the host as read, which the message must not
    // name: a key put in `server` by mistake is a bare host name)
    let cases = [
        (ringostat("https://evil.example/secret-path"), "cfg.base-url", "https://evil.example:443"),
        (ringostat("http://127.0.0.1:9098"), "cfg.base-url", "http://127.0.0.1:9098"),
        (ringostat("http://2130706433:80"), "cfg.base-url", "http://127.0.0.1:80"),
        (ringostat("http://0x7f000001"), "cfg.base-url", "http://127.0.0.1:80"),
        (ringostat("http://017700000001:8080"), "cfg.base-url", "http://127.0.0.1:8080"),
        (ringostat("https://127.1:9099"), "cfg.base-url", "https://127.0.0.1:9099"),
        (ringostat("http://[::ffff:127.0.0.1]:9099"), "cfg.base-url", "http://[::ffff:127.0.0.1]:9099"),
        (ringostat("http://[::ffff:7f00:1]:9099"), "cfg.base-url", "http://[::ffff:127.0.0.1]:9099"),
        (ringostat("https://LOCALHOST./x"), "cfg.base-url", "https://localhost:443"),
        (ringostat("https://a.localhost"), "cfg.base-url", "https://a.localhost:443"),
        (ringostat("https://%6c%6f%63%61%6c%68%6f%73%74"), "cfg.base-url", "https://localhost:443"),
        (ringostat("http://169.254.169.254/latest/meta-data"), "cfg.base-url", "http://169.254.169.254:80"),
        (ringostat("http://[fd00:ec2::254]"), "cfg.base-url", "http://[fd00:ec2::254]:80"),
        (ringostat("https://10.0.0.1"), "cfg.base-url", "https://10.0.0.1:443"),
        (ringostat("https://api.tring.nu:8443"), "cfg.base-url", "https://api.tring.nu:8443"),
        (ringostat("http://api.tring.nu"), "cfg.base-url", "http://api.tring.nu:80"),
        (tring("127.1"), "cfg.server", "https://127.0.0.1:443"),
        (tring("tring.nu"), "cfg.server", "https://tring.nu:443"),
        (tring("https://api.tring.nu.evil.example"), "cfg.server", "https://api.tring.nu.evil.example:443"),
        (ringme("http://192.168.1.1:8080"), "cfg.base-url", "http://192.168.1.1:8080"),
        (
            account(json!({"tring": {"server": "http://100.100.100.200", "api-key": CALLER_TRING_KEY}})),
            "account.tring.server",
            "http://100.100.100.200:80",
        ),
        (
            account(
                json!({"ringostat": {"config": {"auth-key": CALLER_RINGOSTAT_KEY, "base-url": "http://0"}, "project-id": "1"}}),
            ),
            "account.ringostat.config.base-url",
            "http://0.0.0.0:80",
        ),
        (
            account(json!({"ringme": {"base-url": "http://[fe80::1]", "auth": {"bearer": CALLER_RINGME_TOKEN}}})),
            "account.ringme.base-url",
            "http://[fe80::1]:80",
        ),
    ];
    for ((route, body), field, host) in cases {
        let e = error(&s.post(route, body.clone()).await, 403, "host-not-allowed");
        assert_eq!(e["field"], field, "{body}");
        let message = e["detail"].as_str().unwrap_or_default();
        assert!(message.starts_with("the URL's "), "{body}: {message}");
        let name = host.split("://").nth(1).and_then(|h| h.rsplit_once(':')).map_or(host, |(name, _)| name);
        // A name (not an address, whose range a kind may spell) is absent.
        let address = name.starts_with(|c: char| c.is_ascii_digit() || c == '[');
        assert!(!message.contains(host) && (address || !message.contains(name)), "{body}: {message}");
        assert!(!message.contains("secret-path") && !message.contains("meta-data"), "{message}");
    }
    // Unreadable: refused without quoting anything.
    for url in ["https://user:pw@api.tring.nu", "https://api.tring.nu\\@127.0.0.1", "https://", "https://1.2.3.09"] {
        let (route, body) = ringostat(url);
        let e = error(&s.post(route, body).await, 403, "host-not-allowed");
        let message = e["detail"].as_str().unwrap_or_default();
        assert!(message.starts_with("the URL cannot be read unambiguously"), "{url}: {message}");
        assert!(!message.contains("pw") && !message.contains("tring"), "{message}");
    }
    assert!(s.mock.requests().is_empty(), "a refused URL reached the provider: {:?}", s.mock.requests());
    s.finish().await;
}

/// An allowed URL reaches the provider in the canonical form the check read
/// it in, the exact-address pattern included.
#[tokio::test]
async fn an_allowed_url_is_delivered_in_canonical_form() {
    let env = env_with(&["PBX_ALLOWED_HOSTS"], &[("PBX_ALLOWED_HOSTS", "https://*.tring.nu, http://127.0.0.1:9099")]);
    let mock = MockProvider::new(|r| {
        if r.path().ends_with("/pbx/proxyapi.php") {
            host_test::kit::mock::tring::answer(r).expect("a TRiNG answer")
        } else {
            MockResponse::json(200, r#"["caller_manager"]"#)
        }
    });
    let mut s = Served::start(mock, env).await;
    let cfg = |url: &str| json!({"cfg": {"auth-key": CALLER_RINGOSTAT_KEY, "base-url": url}});
    ok(&s.post("ringostat/sip-online", cfg("http://2130706433:9099/base/")).await);
    ok(&s.post("ringostat/sip-online", cfg("HTTP://127.1:9099")).await);
    ok(&s.post("ringostat/sip-online", cfg("https://Caller.Tring.NU.:443/r")).await);
    let server = json!({"cfg": {"server": "API.tring.nu", "api-key": CALLER_TRING_KEY}});
    ok(&s.post("tring/count-peers", server).await);
    let account = json!({"account": {"tring": {"server": "https://%61pi.tring.nu", "api-key": CALLER_TRING_KEY}}});
    ok(&s.post("telephony/agent-states", account).await);
    let log = s.mock.requests();
    let urls: Vec<&str> = log.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        urls[..3],
        [
            "http://127.0.0.1:9099/base/sipstatus/online",
            "http://127.0.0.1:9099/sipstatus/online",
            "https://caller.tring.nu/r/sipstatus/online"
        ]
    );
    assert!(urls[3].starts_with("https://api.tring.nu/pbx/proxyapi.php?"), "{urls:?}");
    assert!(urls[4].starts_with("https://api.tring.nu/pbx/proxyapi.php?"), "{urls:?}");
    assert_eq!(log.len(), 5, "{urls:?}");
    assert_eq!(log[0].header("auth-key"), Some(CALLER_RINGOSTAT_KEY));
    s.finish().await;
}

/// Without PBX_ALLOWED_HOSTS a caller may still bring credentials for a
/// provider's default host, but no URL of its own; the operator's URLs are
/// trusted.
#[tokio::test]
async fn without_an_allow_list_only_default_hosts_and_the_operators_urls() {
    let env = env_with(&["PBX_ALLOWED_HOSTS", "PBX_TRING_SERVER"], &[("PBX_TRING_SERVER", "http://127.0.0.1:9099")]);
    let mut s = Served::start(MockProvider::builtin(), env).await;
    ok(&s.post("ringostat/sip-online", json!({"cfg": caller_ringostat_cfg(None)})).await);
    let e = error(&s.post("tring/count-peers", json!({"cfg": caller_tring_cfg()})).await, 403, "host-not-allowed");
    assert!(e["detail"].as_str().is_some_and(|m| m.contains("PBX_ALLOWED_HOSTS is not set")), "{e}");
    error(&s.post("ringme/extensions", json!({"cfg": caller_ringme_cfg()})).await, 403, "host-not-allowed");
    // The server-held TRiNG server is loopback, and used as set.
    ok(&s.post("tring/count-peers", json!({})).await);
    let log = s.mock.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].url.as_str(), log[0].header("auth-key")),
        ("https://api.ringostat.net/sipstatus/online", Some(CALLER_RINGOSTAT_KEY))
    );
    assert!(log[1].url.starts_with("http://127.0.0.1:9099/pbx/proxyapi.php?"), "{}", log[1].url);
    // A bad list is a settings error that names the variable, not the value.
    let env = env_with(&["PBX_ALLOWED_HOSTS"], &[("PBX_ALLOWED_HOSTS", "https://ok.example, ftp://secret-host")]);
    // Warm instances: the refusal at every request, not only at an
    // instance's first (the gateway keeps its settings, and the refusal,
    // for the instance's life).
    let mock = MockProvider::builtin();
    let reuse = Some(Reuse { max_calls: 100, ..Reuse::default() });
    let (_host, g) = gateway_host_with(2, Duration::from_secs(60), reuse, &mock, |o| o.env = env);
    let mut bad = Served::on(g, mock).await;
    for _ in 0..3 {
        let e = error(&bad.post("ringostat/sip-online", json!({})).await, 500, "gateway-settings");
        let message = e["detail"].as_str().unwrap_or_default();
        assert!(message.contains("PBX_ALLOWED_HOSTS entry 2") && !message.contains("secret-host"), "{message}");
    }
    assert!(bad.mock.requests().is_empty());
    bad.finish().await;
    s.finish().await;
}

/// Without a token the gateway is closed (503 no-token) unless the operator
/// says PBX_GATEWAY_AUTH=none; health and the OpenAPI document stay open.
#[tokio::test]
async fn closed_without_a_token_unless_opened_for_local_use() {
    let closed = env_with(&["PBX_GATEWAY_TOKEN"], &[]);
    let mut s = Served::start(MockProvider::builtin(), closed).await;
    for (method, path, body) in [
        ("POST", "/v1/ringostat/sip-online", &b"{}"[..]),
        ("POST", "/v1/ringostat/no-such-function", b"{}"),
        ("GET", "/v1/ringostat/sip-online", b""),
        ("POST", "/v1/nothing", b""),
    ] {
        let a = s.send(method, path, &[("content-type", "application/json")], body).await;
        let e = error(&a, 503, "no-token");
        let message = e["detail"].as_str().unwrap_or_default();
        assert!(message.contains("PBX_GATEWAY_TOKEN") && message.contains("PBX_GATEWAY_AUTH=none"), "{message}");
    }
    // A token sent to a gateway without one changes nothing.
    let a = s
        .client
        .post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({"cfg": caller_ringostat_cfg(None)}))
        .await
        .expect("request");
    error(&a, 503, "no-token");
    assert_eq!(ok(&s.send("GET", "/v1/health", &[], b"").await), json!({"status": "up"}));
    let doc = s.send("GET", "/v1/openapi.json", &[], b"").await;
    assert_eq!(doc.status, 200);
    assert!(doc.json()["paths"].is_object());
    assert!(s.mock.requests().is_empty());
    s.finish().await;

    // PBX_GATEWAY_AUTH=none: open, but server-held credentials still need a token.
    let open = env_with(&["PBX_GATEWAY_TOKEN"], &[("PBX_GATEWAY_AUTH", "none")]);
    let s = Served::start(MockProvider::builtin(), open).await;
    let a = s
        .client
        .post_json("/v1/ringostat/sip-online", None, &json!({"cfg": caller_ringostat_cfg(None)}))
        .await
        .expect("request");
    assert_eq!(ok(&a), serde_json::from_str::<Value>(example("ringostat.sip-online")).unwrap());
    let a = s.client.post_json("/v1/ringostat/sip-online", None, &json!({})).await.expect("request");
    assert_eq!(error(&a, 400, "invalid-input")["field"], "cfg");
    assert_eq!(s.mock.requests().len(), 1);
    s.finish().await;

    // Any other value is a settings error; a token set makes none moot.
    for value in ["None", "off", "secret-value"] {
        let env = env_with(&["PBX_GATEWAY_TOKEN"], &[("PBX_GATEWAY_AUTH", value)]);
        let s = Served::start(MockProvider::builtin(), env).await;
        let a = s
            .client
            .post_json("/v1/ringostat/sip-online", None, &json!({"cfg": caller_ringostat_cfg(None)}))
            .await
            .expect("request");
        let e = error(&a, 500, "gateway-settings");
        let message = e["detail"].as_str().unwrap_or_default();
        assert!(message.contains("PBX_GATEWAY_AUTH") && !message.contains("secret-value"), "{message}");
        assert!(s.mock.requests().is_empty());
        s.finish().await;
    }
    let mut s = Served::start(MockProvider::builtin(), env_with(&[], &[("PBX_GATEWAY_AUTH", "none")])).await;
    let a = s.client.post_json("/v1/ringostat/sip-online", None, &json!({})).await.expect("request");
    error(&a, 401, "gateway-unauthorized");
    ok(&s.post("ringostat/sip-online", json!({})).await);
    s.finish().await;
}

/// PBX_MAX_TIMEOUT_MS bounds the caller's timeout-ms, one left out, and the
/// server-held PBX_TIMEOUT_MS: a provider slower than the bound times out at
/// the bound.
#[tokio::test]
async fn timeouts_are_bounded_by_pbx_max_timeout_ms() {
    let mock = MockProvider::always(MockResponse::json(200, r#"["m1"]"#).delayed(Duration::from_millis(3_000)));
    let env = env_with(&[], &[("PBX_MAX_TIMEOUT_MS", "300")]);
    let mut s = Served::start(mock, env).await;
    let sip_online = "ringostat/sip-online";
    for (route, body) in [
        (sip_online, json!({"cfg": caller_ringostat_cfg(Some(60_000))})),
        (sip_online, json!({"cfg": caller_ringostat_cfg(Some(u32::MAX))})),
        // Left out: the component's 30 s default would pass the bound.
        (sip_online, json!({"cfg": caller_ringostat_cfg(None)})),
        // The server-held config (PBX_TIMEOUT_MS=5000).
        (sip_online, json!({})),
        ("telephony/agent-states", json!({"account": {"ringostat": {"project-id": "1"}}})),
        ("telephony/agent-states", json!({"account": {"tring": caller_tring_cfg()}})),
    ] {
        let started = std::time::Instant::now();
        error(&s.post(route, body.clone()).await, 504, "timeout");
        let took = started.elapsed();
        assert!(took < Duration::from_millis(2_000), "{body}: {took:?}");
    }
    assert!(s.mock.requests().len() >= 6);
    // A bad bound is a settings error.
    let env = env_with(&[], &[("PBX_MAX_TIMEOUT_MS", "0")]);
    let mut bad = Served::start(MockProvider::builtin(), env).await;
    let e = error(&bad.post("ringostat/sip-online", json!({})).await, 500, "gateway-settings");
    assert!(e["detail"].as_str().is_some_and(|m| m.contains("PBX_MAX_TIMEOUT_MS")), "{e}");
    assert!(bad.mock.requests().is_empty());
    bad.finish().await;
    s.finish().await;
}
