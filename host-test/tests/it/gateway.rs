//! The HTTP gateway (`pbx_gateway.wasm`) served by the host on loopback and
//! driven by a real HTTP client: server-held and caller credentials, every
//! refusal (nothing sent), provider error classes, binary results, the
//! OpenAPI document, warm-instance isolation, the instance limit; and the
//! Spin path (an app importing `telephony:pbx/*`, composed with the library).

use super::common::host;
use host_test::instances::Reuse;
use host_test::kit::client::{Answer, Client};
use host_test::kit::mock::{example, MockProvider, MockResponse};
use host_test::kit::mock_transport;
use host_test::serve::{credential_free, gateway_path, open_gateway, Gateway, ServeOptions, Server, BODY_CAP};
use host_test::{dynamic, Host, HostOptions};
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use wasmtime::component::Component;

const TOKEN: &str = "gw-token-5f1e9a0c";
const RINGOSTAT_KEY: &str = "server-ringostat-key-81c2";
const TRING_KEY: &str = "server-tring-key-77ad";
const CALLER_RINGOSTAT_KEY: &str = "caller-ringostat-key-0d4e";
const CALLER_TRING_KEY: &str = "caller-tring-key-9a13";
const CALLER_RINGME_TOKEN: &str = "caller-ringme-bearer-6c2f";

/// The server-held settings (the RingMe application is the built-in mock's).
fn server_env() -> Vec<(String, String)> {
    [
        ("PBX_GATEWAY_TOKEN", TOKEN),
        ("PBX_RINGOSTAT_AUTH_KEY", RINGOSTAT_KEY),
        ("PBX_TRING_SERVER", "https://pbx.example"),
        ("PBX_TRING_API_KEY", TRING_KEY),
        ("PBX_RINGME_BASE_URL", "https://ringme.example"),
        ("PBX_RINGME_CLIENT_ID", host_test::kit::mock::ringme::CLIENT_ID),
        ("PBX_RINGME_CLIENT_SECRET", host_test::kit::mock::ringme::CLIENT_SECRET),
        ("PBX_TIMEOUT_MS", "5000"),
        // The callers' own hosts the tests below use.
        ("PBX_ALLOWED_HOSTS", "https://caller-pbx.example, https://caller-ringme.example, https://p.example"),
        // Not a PBX_* variable: must not reach the gateway.
        ("HOME", "/root"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Every credential that must never appear in an answer.
fn secrets() -> Vec<&'static str> {
    vec![
        TOKEN,
        RINGOSTAT_KEY,
        TRING_KEY,
        CALLER_RINGOSTAT_KEY,
        CALLER_TRING_KEY,
        CALLER_RINGME_TOKEN,
        host_test::kit::mock::ringme::CLIENT_SECRET,
        host_test::kit::mock::ringme::ACCESS_TOKEN,
    ]
}

/// A caller's Ringostat `cfg`.
fn caller_ringostat_cfg(timeout_ms: Option<u32>) -> Value {
    json!({"auth-key": CALLER_RINGOSTAT_KEY, "timeout-ms": timeout_ms})
}

/// A caller's TRiNG `cfg`.
fn caller_tring_cfg() -> Value {
    json!({"server": "https://caller-pbx.example", "api-key": CALLER_TRING_KEY})
}

/// A caller's RingMe `cfg` with a bearer token.
fn caller_ringme_cfg() -> Value {
    json!({"base-url": "https://caller-ringme.example", "auth": {"bearer": CALLER_RINGME_TOKEN}})
}

/// The gateway, compiled once on the shared host's engine.
pub(crate) fn gateway_component() -> &'static Component {
    static GATEWAY: OnceLock<Component> = OnceLock::new();
    GATEWAY.get_or_init(|| {
        let path = gateway_path();
        assert!(
            path.exists(),
            "the gateway component {} is missing: build it with `./dev build` (./dev test's setup does)",
            path.display()
        );
        let bytes = std::fs::read(&path).expect("read the gateway");
        host_test::cache::load(&host().engine, &bytes, &host_test::cache::default_dir()).expect("compile the gateway")
    })
}

/// A served gateway, its client and the mock behind it.
pub(crate) struct Served {
    server: Server,
    client: Client,
    mock: Arc<MockProvider>,
    answers: Vec<Answer>,
}

impl Served {
    /// The gateway on the shared host (fresh instances), with `env`.
    pub(crate) async fn start(mock: Arc<MockProvider>, env: Vec<(String, String)>) -> Served {
        let opts = ServeOptions::new(env, mock_transport(mock.clone()));
        let gateway = Gateway::from_component(host(), gateway_component().clone(), opts).expect("link the gateway");
        Served::on(gateway, mock).await
    }

    async fn on(gateway: Gateway, mock: Arc<MockProvider>) -> Served {
        Served::on_shared(Arc::new(gateway), mock).await
    }

    async fn on_shared(gateway: Arc<Gateway>, mock: Arc<MockProvider>) -> Served {
        let server = Server::start(gateway, "127.0.0.1:0".parse().unwrap()).await.expect("bind");
        let client = Client::new(server.addr);
        Served { server, client, mock, answers: Vec::new() }
    }

    /// `POST /v1/<route>` with the gateway token and a JSON body.
    pub(crate) async fn post(&mut self, route: &str, body: Value) -> Answer {
        let a = self.client.post_json(&format!("/v1/{route}"), Some(TOKEN), &body).await.expect("request");
        self.answers.push(a.clone());
        a
    }

    /// Any request, kept for the credential check.
    pub(crate) async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &'static [u8],
    ) -> Answer {
        self.send_owned(method, path, headers, body.to_vec()).await
    }

    /// [`Served::send`] with a body of any size.
    pub(crate) async fn send_owned(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let a = self.client.send(method, path, headers, body).await.expect("request");
        self.answers.push(a.clone());
        a
    }

    /// Asserts no answer so far carried a credential, in its body or headers.
    pub(crate) async fn finish(self) {
        for a in &self.answers {
            let headers: Vec<String> =
                a.headers.iter().map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or(""))).collect();
            let text = format!("{}\n{}", headers.join("\n"), a.text());
            for s in secrets() {
                assert!(!text.contains(s), "credential {s:?} in an answer: {text}");
            }
        }
        self.server.stop().await;
    }
}

/// A `200 {"ok": ...}` answer's value.
pub(crate) fn ok(a: &Answer) -> Value {
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.header("content-type"), Some("application/json"));
    a.json()["ok"].clone()
}

/// An error answer's `error` object, after checking status and kind.
pub(crate) fn error(a: &Answer, status: u16, kind: &str) -> Value {
    assert_eq!(a.status, status, "{}", a.text());
    let e = a.json()["error"].clone();
    assert_eq!(e["kind"], kind, "{}", a.text());
    e
}

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
        assert!(COVERED.contains(&i.as_str()), "interface {i} has no gateway case in tests/it/gateway.rs");
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

#[tokio::test]
async fn every_refusal_sends_nothing() {
    let mut s = Served::start(MockProvider::builtin(), server_env()).await;
    let json_ct = ("content-type", "application/json");
    let bearer = format!("Bearer {TOKEN}");
    let auth = ("authorization", bearer.as_str());
    // 401: no token, a wrong one.
    let a = s.send("POST", "/v1/ringostat/sip-online", &[json_ct], b"{}").await;
    error(&a, 401, "unauthorized");
    let a = s.send("POST", "/v1/ringostat/sip-online", &[json_ct, ("authorization", "Bearer nope")], b"{}").await;
    error(&a, 401, "unauthorized");
    // 404: unknown routes.
    error(&s.send("POST", "/v1/ringostat/no-such-function", &[json_ct, auth], b"{}").await, 404, "unknown-route");
    error(&s.send("POST", "/v2/ringostat/sip-online", &[json_ct, auth], b"{}").await, 404, "unknown-route");
    // 405: the right route, the wrong method.
    let a = s.send("GET", "/v1/ringostat/sip-online", &[auth], b"").await;
    error(&a, 405, "method-not-allowed");
    assert_eq!(a.header("allow"), Some("POST"));
    // 415: not JSON.
    error(
        &s.send("POST", "/v1/ringostat/sip-online", &[("content-type", "text/plain"), auth], b"x").await,
        415,
        "not-json",
    );
    // 413: over the 8 MiB cap, refused from the declared length before the
    // body is read. Only the head is sent: a client still writing a body the
    // server will not read gets its connection reset, answer and all.
    let head = format!(
        "POST /v1/ringostat/sip-online HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n\
         authorization: Bearer {TOKEN}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        8 * 1024 * 1024 + 1
    );
    let raw = raw_exchange(s.server.addr, head.as_bytes()).await;
    assert!(raw.starts_with("HTTP/1.1 413 "), "{raw}");
    assert!(raw.contains(r#""kind":"body-too-large""#), "{raw}");
    // 400: malformed JSON, not an object, unknown, missing and mistyped arguments.
    error(&s.send("POST", "/v1/ringostat/sip-online", &[json_ct, auth], b"{\"cfg\":").await, 400, "malformed-json");
    error(&s.send("POST", "/v1/ringostat/sip-online", &[json_ct, auth], b"[1]").await, 400, "invalid-input");
    let e = error(&s.post("ringostat/sip-online", json!({"nope": 1})).await, 400, "invalid-input");
    assert_eq!(e["field"], "nope", "{e}");
    let e =
        error(&s.post("ringostat/simple-callback", json!({"destination": "380671112233"})).await, 400, "invalid-input");
    assert_eq!(e["field"], "extension", "{e}");
    let e = error(
        &s.post("ringostat/simple-callback", json!({"extension": true, "destination": "380671112233"})).await,
        400,
        "invalid-input",
    );
    assert_eq!(e["field"], "extension", "{e}");
    let e = error(&s.post("ringostat/sip-online", json!({"cfg": {"auth-key": 5}})).await, 400, "invalid-input");
    assert!(e["field"].as_str().is_some_and(|f| f.contains("auth-key")), "{e}");
    // The component's own invalid-input (a bad phone number): 400, nothing sent.
    let e = error(
        &s.post("ringostat/simple-callback", json!({"extension": "12", "destination": "not a number"})).await,
        400,
        "invalid-input",
    );
    assert!(e["field"].is_string(), "{e}");
    assert!(s.mock.requests().is_empty(), "a refused request reached the provider: {:?}", s.mock.requests());
    // 400: two Authorization headers, even both right.
    let a = s.send("POST", "/v1/ringostat/sip-online", &[json_ct, auth, auth], b"{}").await;
    error(&a, 400, "duplicate-authorization");
    let a = s.send("POST", "/v1/ringostat/sip-online", &[json_ct, ("authorization", "Bearer nope"), auth], b"{}").await;
    error(&a, 400, "duplicate-authorization");
    // 403: a URL of the caller's own that PBX_ALLOWED_HOSTS does not allow.
    let cfg = json!({"cfg": {"auth-key": CALLER_RINGOSTAT_KEY, "base-url": "http://127.0.0.1:9099"}});
    error(&s.post("ringostat/sip-online", cfg).await, 403, "host-not-allowed");
    assert!(s.mock.requests().is_empty(), "a refused request reached the provider: {:?}", s.mock.requests());
    // Health and the OpenAPI document need no token.
    assert_eq!(ok(&s.send("GET", "/v1/health", &[], b"").await), json!({"status": "up"}));
    assert_eq!(s.send("GET", "/v1/openapi.json", &[], b"").await.status, 200);
    s.finish().await;
}

#[tokio::test]
async fn provider_errors_get_the_status_of_their_class() {
    let mock = MockProvider::new(|r| match r.path() {
        "/missing/sipstatus/online" => MockResponse::json(404, r#"{"message":"Not found"}"#),
        "/limited/sipstatus/online" => MockResponse::json(429, r#"{"message":"slow down"}"#).header("Retry-After", "7"),
        "/slow/sipstatus/online" => MockResponse::json(200, "[]").delayed(Duration::from_millis(400)),
        _ => MockResponse::json(500, r#"{"message":"internal"}"#),
    });
    let mut s = Served::start(mock, server_env()).await;
    let cfg = |base: &str, timeout: Option<u32>| {
        let base_url = format!("https://p.example/{base}");
        json!({"cfg": {"auth-key": CALLER_RINGOSTAT_KEY, "base-url": base_url, "timeout-ms": timeout}})
    };
    error(&s.post("ringostat/sip-online", cfg("missing", None)).await, 404, "not-found");
    let a = s.post("ringostat/sip-online", cfg("limited", None)).await;
    assert_eq!(error(&a, 429, "rate-limited")["retry-after"], 7);
    assert_eq!(a.header("retry-after"), Some("7"));
    error(&s.post("ringostat/sip-online", cfg("slow", Some(100))).await, 504, "timeout");
    let e = error(&s.post("ringostat/sip-online", cfg("broken", None)).await, 502, "provider");
    assert_eq!(e["status"], 500);
    assert_eq!(s.mock.requests().len(), 4);
    s.finish().await;
}

/// Writes `bytes` on a new connection and reads the answer until the server closes it.
async fn raw_exchange(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.expect("read");
    String::from_utf8_lossy(&out).into_owned()
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

/// A host of its own, with a gateway on it.
fn gateway_host(
    max_instances: u32,
    queue_timeout: Duration,
    reuse: Option<Reuse>,
    mock: &Arc<MockProvider>,
) -> (Host, Gateway) {
    gateway_host_with(max_instances, queue_timeout, reuse, mock, |_| {})
}

/// [`gateway_host`] with its serve options adjusted by `adjust`.
fn gateway_host_with(
    max_instances: u32,
    queue_timeout: Duration,
    reuse: Option<Reuse>,
    mock: &Arc<MockProvider>,
    adjust: impl FnOnce(&mut ServeOptions),
) -> (Host, Gateway) {
    let opts = HostOptions { max_instances, queue_timeout, reuse, ..HostOptions::fast() };
    let h = Host::load(&host_test::component_path(), &opts).expect("load the component");
    let mut serve = ServeOptions::new(server_env(), mock_transport(mock.clone()));
    adjust(&mut serve);
    let g = Gateway::load(&h, &gateway_path(), &opts, serve).expect("load the gateway");
    (h, g)
}

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
    assert!(e["message"].as_str().is_some_and(|m| m.contains("instance limit (1)")), "{e}");
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

/// Reads what the server sends on `stream` until it closes the connection,
/// failing the test when that takes more than 10 s.
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the server left the connection open: {}", String::from_utf8_lossy(&out));
    String::from_utf8_lossy(&out).into_owned()
}

/// A connection with `bytes` sent on it.
async fn connect_and_send(addr: std::net::SocketAddr, bytes: &[u8]) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    stream
}

/// The JSON body of a raw HTTP/1.1 answer.
fn raw_json(raw: &str) -> Value {
    raw.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b).ok()).unwrap_or(Value::Null)
}

/// Two clients that announce a 100,000-byte body and send one byte hold no
/// instance: with 2 instance slots (and a short queue, past which a request
/// would get 503), `/v1/health` and a call are served at once; each slow
/// client gets 408 `request-timeout` once the body timeout passes, and its
/// connection is closed.
#[tokio::test]
async fn slow_bodies_take_no_instance() {
    let mock = MockProvider::builtin();
    let (h, g) = gateway_host_with(2, Duration::from_millis(200), None, &mock, |o| {
        o.body_timeout = Duration::from_secs(3);
    });
    let s = Served::on(g, mock.clone()).await;
    let head = format!(
        "POST /v1/ringostat/sip-online HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n\
         authorization: Bearer {TOKEN}\r\ncontent-length: 100000\r\n\r\n{{"
    );
    let mut slow = Vec::new();
    for _ in 0..2 {
        slow.push(connect_and_send(s.server.addr, head.as_bytes()).await);
    }
    // Time for both heads to be read (before, each took an instance here).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.instances.available(), 2, "a body still arriving holds no instance slot");
    let health = s.client.get("/v1/health", None).await.expect("health");
    assert_eq!(ok(&health), json!({"status": "up"}));
    let a = s.client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await.expect("call");
    assert_eq!(ok(&a), serde_json::from_str::<Value>(example("ringostat.sip-online")).unwrap());
    for mut stream in slow {
        let raw = read_until_closed(&mut stream).await;
        assert!(raw.starts_with("HTTP/1.1 408 "), "{raw}");
        assert!(raw.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{raw}");
        let e = raw_json(&raw)["error"].clone();
        assert_eq!(e["kind"], "request-timeout", "{raw}");
        assert!(e["message"].as_str().is_some_and(|m| m.contains("3000 ms")), "{raw}");
    }
    assert_eq!(mock.requests().len(), 1, "only the complete call reached the provider");
    assert_eq!(h.instances.available(), 2);
    s.server.stop().await;
}

/// A request without the token is refused before its body is read: a
/// client that announces 8 MiB and sends one byte gets its 401 at once (not
/// a 408 after the body timeout), and the host holds none of its body.
#[tokio::test]
async fn an_unauthenticated_body_is_not_read() {
    let mock = MockProvider::builtin();
    let (_h, g) = gateway_host_with(2, Duration::from_millis(200), None, &mock, |o| {
        o.body_timeout = Duration::from_secs(20);
    });
    let s = Served::on(g, mock.clone()).await;
    for auth in ["", "authorization: Bearer wrong-token\r\n"] {
        let head = format!(
            "POST /v1/ringostat/sip-online HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n\
             {auth}content-length: 8388608\r\n\r\n{{"
        );
        let mut stream = connect_and_send(s.server.addr, head.as_bytes()).await;
        let started = std::time::Instant::now();
        let raw = read_until_closed(&mut stream).await;
        assert!(raw.starts_with("HTTP/1.1 401 "), "{raw}");
        // Well before the 20 s body timeout (a bound, not a speed target).
        assert!(started.elapsed() < Duration::from_secs(10), "the host waited for the body");
    }
    assert!(mock.requests().is_empty());
    s.server.stop().await;
}

/// A request head that does not complete within the header timeout is
/// answered 408 and its connection closed; a connection that sends nothing
/// is closed without an answer; an idle keep-alive connection is closed
/// after the idle timeout.
#[tokio::test]
async fn slow_heads_and_idle_connections_are_closed() {
    let mock = MockProvider::builtin();
    let (_h, g) = gateway_host_with(2, Duration::from_secs(60), None, &mock, |o| {
        o.header_timeout = Duration::from_millis(500);
        o.idle_timeout = Duration::from_millis(500);
    });
    let s = Served::on(g, mock.clone()).await;
    let addr = s.server.addr;
    let mut partial = connect_and_send(addr, b"POST /v1/ringostat/sip-online HTTP/1.1\r\nhost: gw\r\n").await;
    let mut silent = connect_and_send(addr, b"").await;
    let mut idle = connect_and_send(addr, b"GET /v1/health HTTP/1.1\r\nhost: gw\r\n\r\n").await;
    let raw = read_until_closed(&mut partial).await;
    assert!(raw.starts_with("HTTP/1.1 408 "), "{raw}");
    assert!(raw.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{raw}");
    let e = raw_json(&raw)["error"].clone();
    assert_eq!(e["kind"], "request-timeout", "{raw}");
    assert!(e["message"].as_str().is_some_and(|m| m.contains("500 ms")), "{raw}");
    assert_eq!(read_until_closed(&mut silent).await, "", "nothing to answer");
    let raw = read_until_closed(&mut idle).await;
    assert!(raw.starts_with("HTTP/1.1 200 ") && raw.contains(r#"{"ok":{"status":"up"}}"#), "{raw}");
    assert!(!raw.contains(" 408 "), "an idle connection is closed without an answer: {raw}");
    assert!(mock.requests().is_empty());
    s.server.stop().await;
}

/// A body over the 8 MiB cap is answered 413 `body-too-large` (the
/// gateway's words) without an instance: with the one slot taken, a normal
/// call gets 503 while an over-cap one, declared or streamed, gets 413.
#[tokio::test]
async fn a_body_over_the_cap_takes_no_instance() {
    let mock = MockProvider::builtin();
    let (h, g) = gateway_host(1, Duration::from_millis(100), None, &mock);
    let g = Arc::new(g);
    let s = Served::on_shared(g.clone(), mock.clone()).await;
    let busy = h.instance(mock_transport(mock.clone())).await.expect("the one slot");
    let a = s.client.post_json("/v1/ringostat/sip-online", Some(TOKEN), &json!({})).await.expect("request");
    error(&a, 503, "overloaded");
    let head = format!(
        "POST /v1/ringostat/sip-online HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n\
         authorization: Bearer {TOKEN}\r\ncontent-length: {}\r\n\r\n",
        BODY_CAP + 1
    );
    let mut declared = connect_and_send(s.server.addr, head.as_bytes()).await;
    let raw = read_until_closed(&mut declared).await;
    assert!(raw.starts_with("HTTP/1.1 413 "), "{raw}");
    assert_eq!(raw_json(&raw)["error"]["kind"], "body-too-large", "{raw}");
    // Streamed, with no length announced: refused once past the cap.
    let req = http::Request::builder()
        .method("POST")
        .uri("/v1/ringostat/sip-online")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(http_body_util::Full::new(bytes::Bytes::from(vec![b' '; BODY_CAP + 1])))
        .expect("request");
    let response = g.handle(req).await;
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers().get("connection").and_then(|v| v.to_str().ok()), Some("close"));
    let body = http_body_util::BodyExt::collect(response.into_body()).await.expect("body").to_bytes();
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(body["error"]["kind"], "body-too-large", "{body}");
    assert_eq!(h.instances.available(), 0, "the slot is still the busy one's");
    drop(busy);
    assert!(mock.requests().is_empty());
    s.server.stop().await;
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

/// A client that stops reading its answer does not hold the instance
/// writing it: once the answer has waited unread for the body timeout, the
/// connection is closed and the instance freed (an 8 MB answer, more than
/// the socket buffers hold, to a client that reads nothing).
#[tokio::test]
async fn a_client_that_stops_reading_frees_its_instance() {
    let mock = MockProvider::always(MockResponse::new(200, "audio/mpeg", vec![0x55u8; 6 << 20]));
    let (h, g) = gateway_host_with(2, Duration::from_secs(60), None, &mock, |o| {
        o.body_timeout = Duration::from_millis(1_000);
    });
    let s = Served::on(g, mock.clone()).await;
    let request = format!(
        "POST /v1/tring/recording HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n\
         authorization: Bearer {TOKEN}\r\ncontent-length: 10\r\n\r\n{{\"id\":\"1\"}}"
    );
    let mut stalled = connect_and_send(s.server.addr, request.as_bytes()).await;
    // The answer is under way (the provider was called), then the instance is
    // freed while the client still has not read a byte.
    let freed = tokio::time::timeout(Duration::from_secs(20), async {
        while mock.served() == 0 || h.instances.available() < 2 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(freed.is_ok(), "the instance stayed taken by an answer nobody reads");
    let raw = read_until_closed(&mut stalled).await;
    assert!(raw.starts_with("HTTP/1.1 200 "), "{}", &raw[..raw.len().min(200)]);
    assert!(raw.len() < 8 << 20, "the answer was cut off, not delivered whole");
    s.server.stop().await;
}

/// `env` without the variables named in `drop`, with `add`.
fn env_with(drop: &[&str], add: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> =
        server_env().into_iter().filter(|(k, _)| !drop.contains(&k.as_str())).collect();
    env.extend(add.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
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
    // (route, body, field, the host the message names)
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
        let message = e["message"].as_str().unwrap_or_default();
        assert!(message.contains(&format!("the host {host} ")), "{body}: {message}");
        assert!(!message.contains("secret-path") && !message.contains("meta-data"), "{message}");
    }
    // Unreadable: refused without quoting anything.
    for url in ["https://user:pw@api.tring.nu", "https://api.tring.nu\\@127.0.0.1", "https://", "https://1.2.3.09"] {
        let (route, body) = ringostat(url);
        let e = error(&s.post(route, body).await, 403, "host-not-allowed");
        let message = e["message"].as_str().unwrap_or_default();
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
    assert!(e["message"].as_str().is_some_and(|m| m.contains("PBX_ALLOWED_HOSTS is not set")), "{e}");
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
    let mut bad = Served::start(MockProvider::builtin(), env).await;
    let e = error(&bad.post("ringostat/sip-online", json!({})).await, 500, "gateway-settings");
    let message = e["message"].as_str().unwrap_or_default();
    assert!(message.contains("PBX_ALLOWED_HOSTS entry 2") && !message.contains("secret-host"), "{message}");
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
        let message = e["message"].as_str().unwrap_or_default();
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
        let message = e["message"].as_str().unwrap_or_default();
        assert!(message.contains("PBX_GATEWAY_AUTH") && !message.contains("secret-value"), "{message}");
        assert!(s.mock.requests().is_empty());
        s.finish().await;
    }
    let mut s = Served::start(MockProvider::builtin(), env_with(&[], &[("PBX_GATEWAY_AUTH", "none")])).await;
    let a = s.client.post_json("/v1/ringostat/sip-online", None, &json!({})).await.expect("request");
    error(&a, 401, "unauthorized");
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
    assert!(e["message"].as_str().is_some_and(|m| m.contains("PBX_MAX_TIMEOUT_MS")), "{e}");
    assert!(bad.mock.requests().is_empty());
    bad.finish().await;
    s.finish().await;
}
