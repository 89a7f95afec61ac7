//! Every refusal (nothing sent) and every provider error class, each an
//! RFC 9457 problem (`application/problem+json`) with its status and kind.
use super::*;
use host_test::kit::mock::MockResponse;

#[tokio::test]
async fn every_refusal_sends_nothing() {
    let mut s = Served::start(MockProvider::builtin(), server_env()).await;
    let json_ct = ("content-type", "application/json");
    let bearer = format!("Bearer {TOKEN}");
    let auth = ("authorization", bearer.as_str());
    // 401: no token, a wrong one; exactly these bytes.
    let a = s.send("POST", "/v1/ringostat/sip-online", &[json_ct], b"{}").await;
    error(&a, 401, "gateway-unauthorized");
    assert_eq!(a.header("www-authenticate"), Some("Bearer"));
    assert_eq!(
        a.text(),
        r#"{"type":"urn:pbx-gateway:problem:gateway-unauthorized","title":"Missing or wrong gateway token","status":401,"detail":"missing or wrong bearer token (Authorization: Bearer <token>)","kind":"gateway-unauthorized"}"#
    );
    let a = s.send("POST", "/v1/ringostat/sip-online", &[json_ct, ("authorization", "Bearer nope")], b"{}").await;
    error(&a, 401, "gateway-unauthorized");
    // 404: unknown routes.
    error(&s.send("POST", "/v1/ringostat/no-such-function", &[json_ct, auth], b"{}").await, 404, "unknown-route");
    error(&s.send("POST", "/v2/ringostat/sip-online", &[json_ct, auth], b"{}").await, 404, "unknown-route");
    // 405: the right route, the wrong method.
    let a = s.send("GET", "/v1/ringostat/sip-online", &[auth], b"").await;
    error(&a, 405, "method-not-allowed");
    assert_eq!(a.header("allow"), Some("POST"));
    assert_eq!(
        a.text(),
        r#"{"type":"urn:pbx-gateway:problem:method-not-allowed","title":"Method not allowed","status":405,"detail":"this route takes POST","kind":"method-not-allowed"}"#
    );
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
    // The host's refusal, in the gateway's words and shape, exactly.
    raw_problem(&raw, 413, "body-too-large");
    assert_eq!(
        raw.split_once("\r\n\r\n").map(|(_, b)| b),
        Some(
            r#"{"type":"urn:pbx-gateway:problem:body-too-large","title":"Request body too large","status":413,"detail":"the body is over the gateway's cap of 8 MiB (8388608 bytes)","kind":"body-too-large"}"#
        ),
        "{raw}"
    );
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
    // `status` is the gateway's; the provider's own is `provider-status`.
    assert_eq!((e["status"].as_u64(), e["provider-status"].as_u64()), (Some(502), Some(500)), "{e}");
    assert_eq!((&e["provider-code"], &e["detail"]), (&Value::Null, &json!("internal")), "{e}");
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
