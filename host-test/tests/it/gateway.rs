//! The HTTP gateway (`pbx_gateway.wasm`) served by the host on loopback and
//! driven by a real HTTP client: server-held and caller credentials, every
//! refusal (nothing sent), provider error classes, binary results, the
//! OpenAPI document, warm-instance isolation, the instance limit; and the
//! Spin path (an app importing `telephony:pbx/*`, composed with the library).

use super::common::host;
use host_test::instances::Reuse;
use host_test::kit::client::{Answer, Client};
use host_test::kit::mock::{example, MockProvider, MockResponse};
use host_test::serve::{gateway_path, Gateway, ServeOptions, Server};
use host_test::{dynamic, Host, HostOptions, Transport};
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
        let opts = ServeOptions { env, transport: Transport::Mock(mock.clone()) };
        let gateway = Gateway::from_component(host(), gateway_component().clone(), opts).expect("link the gateway");
        Served::on(gateway, mock).await
    }

    async fn on(gateway: Gateway, mock: Arc<MockProvider>) -> Served {
        let server = Server::start(Arc::new(gateway), "127.0.0.1:0".parse().unwrap()).await.expect("bind");
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
    // Health needs no token.
    assert_eq!(ok(&s.send("GET", "/v1/health", &[], b"").await), json!({"status": "up"}));
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
    let opts = HostOptions { max_instances, queue_timeout, reuse, ..HostOptions::fast() };
    let h = Host::load(&host_test::component_path(), &opts).expect("load the component");
    let serve = ServeOptions { env: server_env(), transport: Transport::Mock(mock.clone()) };
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
    let opts = ServeOptions { env, transport: Transport::Mock(mock.clone()) };
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
