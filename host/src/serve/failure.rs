//! Host-side failures, answered in the gateway's error shape.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// The JSON of a host-side failure in the gateway's error shape.
pub(super) fn failure_json(kind: &str, message: &str) -> String {
    serde_json::json!({ "error": { "kind": kind, "message": message } }).to_string()
}

/// A host-side failure in the gateway's error shape.
pub(super) fn failure(status: u16, kind: &str, message: &str) -> http::Response<HyperOutgoingBody> {
    let body = failure_json(kind, message);
    let mut builder = http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store");
    if status == 503 {
        // A slot frees as soon as any call in flight ends.
        builder = builder.header("retry-after", "1");
    }
    builder.body(Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed_unsync()).unwrap_or_else(|_| {
        http::Response::new(http_body_util::Empty::new().map_err(|never| match never {}).boxed_unsync())
    })
}

/// `response` with `Connection: close` (hyper then closes the connection
/// after it): sent when the rest of the request is left unread.
pub(super) fn closing(mut response: http::Response<HyperOutgoingBody>) -> http::Response<HyperOutgoingBody> {
    response.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
    response
}
