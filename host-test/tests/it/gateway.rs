//! The HTTP gateway (`pbx_gateway.wasm`) served by the host on loopback and
//! driven by a real HTTP client. This file holds the fixtures (the served
//! gateway, its settings, the answer checks); the cases are by area:
//! [`routes`] (every interface, credentials, binary results, the OpenAPI
//! document, the Spin path), [`errors`] (every refusal and provider error
//! class as an RFC 9457 problem), [`instances`] (warm-instance isolation,
//! the instance limit), [`connections`] (slow and oversized requests,
//! clients that stop reading), [`settings`] (opening and closing the
//! gateway, the allow-list, the timeout bound) and [`linked`] (the shipped,
//! linked gateway against the face and the library composed).

mod connections;
mod errors;
mod instances;
mod linked;
mod routes;
mod settings;
mod threads;

use super::common::host;
use host_test::instances::Reuse;
use host_test::kit::client::{Answer, Client};
use host_test::kit::mock::MockProvider;
use host_test::kit::mock_transport;
use host_test::serve::{gateway_path, Gateway, ServeOptions, Server};
use host_test::{Host, HostOptions};
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use wasmtime::component::Component;

pub(crate) const TOKEN: &str = "gw-token-5f1e9a0c";
const RINGOSTAT_KEY: &str = "server-ringostat-key-81c2";
const TRING_KEY: &str = "server-tring-key-77ad";
pub(crate) const CALLER_RINGOSTAT_KEY: &str = "caller-ringostat-key-0d4e";
const CALLER_TRING_KEY: &str = "caller-tring-key-9a13";
const CALLER_RINGME_TOKEN: &str = "caller-ringme-bearer-6c2f";

/// The server-held settings (the RingMe application is the built-in mock's).
pub(crate) fn server_env() -> Vec<(String, String)> {
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

    /// The address it serves on.
    pub(crate) fn addr(&self) -> std::net::SocketAddr {
        self.server.addr
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

    /// Stops the server without the credential check: for a run that
    /// includes `ringme/get-token`, whose answer is a token by design.
    pub(crate) async fn stop(self) {
        self.server.stop().await;
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

/// An error answer's problem document (RFC 9457), after checking its
/// status, its content type, its kind and the members every problem has.
pub(crate) fn error(a: &Answer, status: u16, kind: &str) -> Value {
    assert_eq!(a.status, status, "{}", a.text());
    assert_eq!(a.header("content-type"), Some("application/problem+json"), "{}", a.text());
    problem(&a.json(), status, kind)
}

/// `p` after checking it is the problem `kind` with `status`: its `type`,
/// a `title`, and a `detail` that is not empty.
fn problem(p: &Value, status: u16, kind: &str) -> Value {
    assert_eq!(p["kind"], kind, "{p}");
    assert_eq!(p["type"], format!("urn:pbx-gateway:problem:{kind}"), "{p}");
    assert_eq!(p["status"], status, "{p}");
    assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
    assert!(p["detail"].as_str().is_some_and(|d| !d.trim().is_empty()), "{p}");
    p.clone()
}

/// A raw HTTP/1.1 answer's problem document, after checking its status
/// line, content type and kind.
fn raw_problem(raw: &str, status: u16, kind: &str) -> Value {
    assert!(raw.starts_with(&format!("HTTP/1.1 {status} ")), "{raw}");
    assert!(raw.to_ascii_lowercase().contains("\r\ncontent-type: application/problem+json\r\n"), "{raw}");
    let body = raw.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
    problem(&body, status, kind)
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
