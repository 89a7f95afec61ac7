//! Every interface served, with server-held and caller credentials;
//! binary results; the OpenAPI document; the Spin path (an app importing
//! `telephony:pbx/*`, composed with the library).
use super::*;
use host_test::dynamic;
use host_test::kit::mock::{example, MockResponse};

/// The interfaces the cases below cover: each exported interface needs one.
const COVERED: [&str; 4] = ["ringostat", "tring", "ringme", "telephony"];

#[test]
fn every_interface_has_gateway_cases() {
    let h = host();
    let mut ifaces: Vec<String> = dynamic::list_functions(&h.engine, &h.component)
        .into_iter()
        .filter_map(|f| f.split_once('.').map(|(i, _)| i.to_string()))
        .collect();
    ifaces.dedup();
    for i in &ifaces {
        assert!(COVERED.contains(&i.as_str()), "interface {i} has no gateway case in tests/it/gateway/");
    }
}

#[tokio::test]
async fn server_held_credentials_serve_each_interface() {
    let mut s = Served::start(MockProvider::builtin(), server_env()).await;
    let online = ok(&s.post("ringostat/sip-online", json!({})).await);
    assert_eq!(online, serde_json::from_str::<Value>(example("ringostat.sip-online")).unwrap());
    let peers = ok(&s.post("tring/count-peers", json!({})).await);
    assert!(peers["total"].is_number(), "{peers}");
    let extensions = ok(&s.post("ringme/extensions", json!({})).await);
    assert_eq!(extensions.as_array().map(Vec::len), Some(3), "{extensions}");
    let log = s.mock.requests();
    let urls: Vec<&str> = log.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(log[0].url, "https://api.ringostat.net/sipstatus/online");
    assert_eq!(log[0].header("auth-key"), Some(RINGOSTAT_KEY));
    assert!(log[1].url.starts_with("https://pbx.example/pbx/proxyapi.php?"), "{urls:?}");
    assert_eq!(log[1].query_value("key").as_deref(), Some(TRING_KEY));
    assert_eq!(log[1].query_value("reqtype").as_deref(), Some("COUNTPEERS"));
    assert_eq!(log[2].url, "https://ringme.example/oauth/token");
    let form = host_test::kit::mock::decode_pairs(&log[2].body_text());
    assert!(form.contains(&("client_id".into(), host_test::kit::mock::ringme::CLIENT_ID.into())), "{form:?}");
    assert!(log[3].url.starts_with("https://ringme.example/api/ver1.0/client/@me/extension/"), "{urls:?}");
    assert_eq!(log.len(), 4, "{urls:?}");
    s.finish().await;
}

#[tokio::test]
async fn telephony_accounts_take_server_held_or_the_callers_config() {
    let mut s = Served::start(MockProvider::builtin(), server_env()).await;
    // Server-held: the account names its provider, the gateway fills the config.
    let states = ok(&s.post("telephony/agent-states", json!({"account": "tring"})).await);
    assert!(states.as_array().is_some_and(|a| !a.is_empty()), "{states}");
    let states =
        ok(&s.post("telephony/agent-states", json!({"account": {"ringostat": {"project-id": "11111"}}})).await);
    assert!(states.as_array().is_some_and(|a| a.iter().any(|a| a["state"] == "busy")), "{states}");
    // The caller's own config, used as sent.
    ok(&s.post("telephony/agent-states", json!({"account": {"tring": caller_tring_cfg()}})).await);
    let log = s.mock.requests();
    let urls: Vec<&str> = log.iter().map(|r| r.url.as_str()).collect();
    assert!(log[0].url.starts_with("https://pbx.example/pbx/proxyapi.php?"), "{urls:?}");
    assert_eq!(log[0].query_value("key").as_deref(), Some(TRING_KEY));
    assert_eq!(log[0].query_value("reqtype").as_deref(), Some("INFO"));
    assert_eq!(log[1].url, "https://api.ringostat.net/sipstatus/online");
    assert_eq!(log[2].url, "https://api.ringostat.net/sipstatus/speaking");
    assert!(log[1..3].iter().all(|r| r.header("auth-key") == Some(RINGOSTAT_KEY)), "{urls:?}");
    assert!(log[3].url.starts_with("https://caller-pbx.example/pbx/proxyapi.php?"), "{urls:?}");
    assert_eq!(log[3].query_value("key").as_deref(), Some(CALLER_TRING_KEY));
    assert_eq!(log.len(), 4, "{urls:?}");
    s.finish().await;
}

#[tokio::test]
async fn a_callers_cfg_is_used_as_sent() {
    let mock = MockProvider::new(|r| {
        if r.path().ends_with("/pbx/proxyapi.php") {
            host_test::kit::mock::tring::answer(r).expect("a TRiNG answer")
        } else if r.path().contains("/api/ver1.0/") {
            MockResponse::json(200, example("ringme.extensions"))
        } else {
            MockResponse::json(200, r#"["caller_manager"]"#)
        }
    });
    let mut s = Served::start(mock, server_env()).await;
    let online = ok(&s.post("ringostat/sip-online", json!({"cfg": caller_ringostat_cfg(None)})).await);
    assert_eq!(online, json!(["caller_manager"]));
    ok(&s.post("tring/count-peers", json!({"cfg": caller_tring_cfg()})).await);
    let extensions = ok(&s.post("ringme/extensions", json!({"cfg": caller_ringme_cfg()})).await);
    assert_eq!(extensions.as_array().map(Vec::len), Some(3));
    let log = s.mock.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].header("auth-key"), Some(CALLER_RINGOSTAT_KEY));
    assert!(log[1].url.starts_with("https://caller-pbx.example/pbx/proxyapi.php?"));
    assert_eq!(log[1].query_value("key").as_deref(), Some(CALLER_TRING_KEY));
    assert!(log[2].url.starts_with("https://caller-ringme.example/api/ver1.0/"));
    assert_eq!(log[2].header("authorization"), Some(format!("Bearer {CALLER_RINGME_TOKEN}").as_str()));
    // No server-held value mixed into a caller's config.
    for r in &log {
        let all = format!("{} {:?} {}", r.url, r.headers, r.body_text());
        for server_secret in [RINGOSTAT_KEY, TRING_KEY, host_test::kit::mock::ringme::CLIENT_SECRET] {
            assert!(!all.contains(server_secret), "server credential sent with a caller's cfg: {all}");
        }
    }
    s.finish().await;
}

/// Standard base64 (with padding), to compare the gateway's binary results.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            out.push(if i <= chunk.len() { A[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

#[tokio::test]
async fn a_binary_result_is_base64() {
    assert_eq!(base64(b"ab"), "YWI=");
    let mut s = Served::start(MockProvider::builtin(), server_env()).await;
    let media = ok(&s.post("tring/recording", json!({"id": host_test::kit::mock::tring::CALL_ID})).await);
    assert_eq!(media, json!({"content-type": "audio/mpeg", "data": base64(host_test::kit::mock::tring::AUDIO)}));
    let r = s.mock.single();
    assert_eq!(
        (r.query_value("reqtype").as_deref(), r.query_value("info").as_deref()),
        (Some("INFO"), Some("recording"))
    );
    s.finish().await;
}

#[tokio::test]
async fn the_openapi_document_has_every_function() {
    let mut s = Served::start(MockProvider::builtin(), server_env()).await;
    let a = s.send("GET", "/v1/openapi.json", &[("authorization", &format!("Bearer {TOKEN}"))], b"").await;
    assert_eq!(a.status, 200);
    let doc: Value = serde_json::from_slice(&a.body).expect("the OpenAPI document is JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    let h = host();
    let functions = dynamic::list_functions(&h.engine, &h.component);
    for f in &functions {
        let (iface, func) = f.split_once('.').unwrap();
        let path = format!("/v1/{iface}/{func}");
        assert!(paths.get(&path).and_then(|p| p.get("post")).is_some(), "no POST {path} in the OpenAPI document");
    }
    let routes = paths.keys().filter(|p| p.matches('/').count() == 3 && !p.starts_with("/v1/openapi")).count();
    assert_eq!(routes, functions.len(), "a route for every function and no other");
    assert!(s.mock.requests().is_empty());
    s.finish().await;
}

/// The Spin path: an app component that imports `telephony:pbx/ringostat`,
/// composed with the library through wac-graph (pbx-compose), served, answers.
#[tokio::test]
async fn a_composed_app_component_answers() {
    let dir = gateway_path().parent().expect("release dir").to_path_buf();
    let app_path = dir.join("pbx_spin_app.wasm");
    let app = std::fs::read(&app_path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: build it with `cargo build --release --target wasm32-wasip2 -p pbx-spin-app` \
             (./dev test's setup does)",
            app_path.display()
        )
    });
    let library = std::fs::read(host_test::component_path()).expect("the library component");
    let composed = pbx_compose::plug(&app, &library).expect("compose the app with the library");
    let (imports, _) = pbx_compose::imports_exports(&composed).expect("parse");
    assert!(imports.iter().all(|i| !i.starts_with("telephony:pbx/")), "plugged: {imports:?}");
    let component = Component::new(&host().engine, &composed).expect("compile the composition");
    let mock = MockProvider::builtin();
    let env = vec![("PBX_RINGOSTAT_AUTH_KEY".to_string(), RINGOSTAT_KEY.to_string())];
    let opts = ServeOptions::new(env, mock_transport(mock.clone()));
    let app = Gateway::from_component(host(), component, opts).expect("link the app");
    let mut s = Served::on(app, mock.clone()).await;
    let a = s.send("GET", "/", &[], b"").await;
    assert_eq!(a.json(), json!({"ok": serde_json::from_str::<Value>(example("ringostat.sip-online")).unwrap()}));
    let r = mock.single();
    assert_eq!(
        (r.url.as_str(), r.header("auth-key")),
        ("https://api.ringostat.net/sipstatus/online", Some(RINGOSTAT_KEY))
    );
    s.finish().await;
}
