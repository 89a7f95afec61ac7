//! The mock's request record and answer bodies, byte for byte.

use crate::{MockError, MockProvider, MockResponse, ReadTimeout};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::time::Duration;

fn post(body: &'static str) -> http::Request<Full<Bytes>> {
    http::Request::post("https://api.example/v1/call?a=1&b=x%20y")
        .header("Authorization", "Bearer t")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("request")
}

const TIMEOUTS: [Option<Duration>; 3] = [Some(Duration::from_secs(1)), Some(Duration::from_secs(2)), None];

#[tokio::test]
async fn records_the_request_exactly_and_answers_whole() {
    let mock = MockProvider::always(MockResponse::json(201, r#"{"ok":1}"#).header("x-id", "7"));
    let answer = mock.serve(post("{\"n\":1}"), TIMEOUTS).await.expect("an answer");
    assert_eq!(answer.status(), 201);
    assert_eq!(answer.headers()["content-type"], "application/json");
    assert_eq!(answer.headers()["x-id"], "7");
    let body = answer.into_body();
    assert_eq!(http_body::Body::size_hint(&body).exact(), Some(8));
    assert_eq!(body.collect().await.expect("body").to_bytes(), Bytes::from_static(br#"{"ok":1}"#));
    let r = mock.single();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "https://api.example/v1/call?a=1&b=x%20y"));
    assert_eq!(r.path_and_query, "/v1/call?a=1&b=x%20y");
    assert_eq!(r.query(), vec![("a".into(), "1".into()), ("b".into(), "x y".into())]);
    assert_eq!(r.headers, vec![("authorization".to_string(), "Bearer t".to_string())]);
    assert_eq!(r.body, b"{\"n\":1}");
    assert_eq!(r.timeouts, TIMEOUTS);
    assert_eq!(mock.served(), 1);
}

#[tokio::test]
async fn failing_and_late_answers_are_errors() {
    let failing = MockProvider::always(MockResponse::failing("boom"));
    match failing.serve(post(""), [None; 3]).await {
        Err(MockError::Failure(text)) => assert_eq!(text, "boom"),
        other => panic!("expected the failure, got {:?}", other.map(|r| r.status())),
    }
    let late = MockProvider::always(MockResponse::json(200, "{}").delayed(Duration::from_millis(50)));
    let first_byte = [None, Some(Duration::from_millis(5)), None];
    assert!(matches!(late.serve(post(""), first_byte).await, Err(MockError::ReadTimeout)));
}

#[tokio::test]
async fn a_trickled_body_comes_in_two_halves_or_times_out_between_them() {
    let mock = MockProvider::always(MockResponse::json(200, "abcdef").trickled(Duration::from_millis(5)));
    let mut body = mock.serve(post(""), [None; 3]).await.expect("an answer").into_body();
    let mut frames = Vec::new();
    while let Some(frame) = body.frame().await {
        frames.push(frame.expect("a frame").into_data().expect("data"));
    }
    assert_eq!(frames, vec![Bytes::from_static(b"abc"), Bytes::from_static(b"def")]);

    let mock = MockProvider::always(MockResponse::json(200, "abcdef").trickled(Duration::from_secs(5)));
    let between_bytes = [None, None, Some(Duration::from_millis(5))];
    let mut body = mock.serve(post(""), between_bytes).await.expect("an answer").into_body();
    assert_eq!(body.frame().await.expect("first").expect("data").into_data().ok(), Some(Bytes::from_static(b"abc")));
    assert_eq!(body.frame().await.expect("second").err(), Some(ReadTimeout));
}

/// The stand-in answers anyone with demo answers: it binds loopback only.
#[tokio::test]
async fn the_standin_binds_loopback_only() {
    for addr in ["0.0.0.0:0", "[::]:0"] {
        let e = crate::standin::mock(MockProvider::builtin(), addr.parse().unwrap()).await.err().expect("refused");
        assert!(e.to_string().contains("loopback address"), "{e}");
    }
    let s = crate::standin::mock(MockProvider::builtin(), "127.0.0.1:0".parse().unwrap()).await.expect("binds");
    assert!(s.base.starts_with("http://127.0.0.1:"));
}
