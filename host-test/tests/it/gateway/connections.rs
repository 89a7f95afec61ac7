//! Connections: slow heads and bodies, bodies over the cap and clients that
//! stop reading hold no instance, and are answered (408, 413) or closed.
use super::*;
use host_test::kit::mock::{example, MockResponse};
use host_test::serve::BODY_CAP;

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
        assert!(raw.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{raw}");
        let e = raw_problem(&raw, 408, "request-timeout");
        assert!(e["detail"].as_str().is_some_and(|m| m.contains("3000 ms")), "{raw}");
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
    assert!(raw.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{raw}");
    // Written by the watchdog, not hyper: the same problem shape, exactly.
    let e = raw_problem(&raw, 408, "request-timeout");
    assert_eq!(
        raw.split_once("\r\n\r\n").map(|(_, b)| b),
        Some(
            r#"{"type":"urn:pbx-gateway:problem:request-timeout","title":"Request not received in time","status":408,"detail":"the request head did not arrive within 500 ms","kind":"request-timeout"}"#
        ),
        "{raw}"
    );
    assert!(e["detail"].as_str().is_some_and(|m| m.contains("500 ms")), "{raw}");
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
    raw_problem(&raw, 413, "body-too-large");
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
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    assert_eq!(header("connection").as_deref(), Some("close"));
    assert_eq!(header("content-type").as_deref(), Some("application/problem+json"));
    let body = http_body_util::BodyExt::collect(response.into_body()).await.expect("body").to_bytes();
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    problem(&body, 413, "body-too-large");
    assert_eq!(h.instances.available(), 0, "the slot is still the busy one's");
    drop(busy);
    assert!(mock.requests().is_empty());
    s.server.stop().await;
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
