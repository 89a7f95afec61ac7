//! Host-side failures, answered as RFC 9457 problems in the gateway's shape.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// The host-side failure `kind` as an RFC 9457 problem, in the gateway's
/// shape (pbx-gateway-face `problem`): the same members in the same order,
/// so a client cannot tell which side refused. Titles of the kinds only
/// the host answers; the `type` is the gateway's URN.
pub(super) fn failure_json(status: u16, kind: &str, detail: &str) -> String {
    let title = match kind {
        "request-timeout" => "Request not received in time",
        "body-too-large" => "Request body too large",
        "overloaded" => "Gateway overloaded",
        "malformed-request" => "Malformed request",
        "host" => "Gateway failure",
        _ => "Error",
    };
    let text = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    format!(
        "{{\"type\":{},\"title\":{},\"status\":{status},\"detail\":{},\"kind\":{}}}",
        text(&format!("urn:pbx-gateway:problem:{kind}")),
        text(title),
        text(detail),
        text(kind)
    )
}

/// A host-side failure as a problem (`application/problem+json`).
pub(super) fn failure(status: u16, kind: &str, message: &str) -> http::Response<HyperOutgoingBody> {
    let body = failure_json(status, kind, message);
    let mut builder = http::Response::builder()
        .status(status)
        .header("content-type", "application/problem+json")
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
