//! Error answers as RFC 9457 problem details (`application/problem+json`):
//! `type` (`urn:pbx-gateway:problem:<kind>`), `title` (fixed per kind),
//! `status` (the gateway's HTTP status), `detail` (a message for people,
//! never empty), then our members: `kind` and what the kind carries
//! (`field`, `reason`, `provider-status`, `provider-code`, `retry-after`,
//! `cap`).
//!
//! The members are written in that fixed order rather than through a map:
//! a reader sees the standard members first, and the bytes are the same
//! whatever map order serde_json was built with (tests compare bytes).

use alloc::string::String;
use alloc::vec::Vec;
use serde_json::Value;

/// The media type of every error answer (RFC 9457 section 3).
pub const CONTENT_TYPE: &str = "application/problem+json";

/// The prefix of every problem `type`: a URN rather than a URL, because
/// there is no page to dereference and RFC 9457 does not require one.
pub const TYPE_PREFIX: &str = "urn:pbx-gateway:problem:";

/// The fixed `title` of a kind: the same for every occurrence, as RFC 9457
/// asks (the occurrence's specifics go in `detail`).
pub fn title(kind: &str) -> &'static str {
    match kind {
        "invalid-input" => "Invalid input",
        "gateway-unauthorized" => "Missing or wrong gateway token",
        "no-token" => "Gateway has no token",
        "duplicate-authorization" => "More than one Authorization header",
        "unknown-route" => "Unknown route",
        "method-not-allowed" => "Method not allowed",
        "request-timeout" => "Request not received in time",
        "body-too-large" => "Request body too large",
        "not-json" => "Request body is not JSON",
        "malformed-json" => "Malformed JSON",
        "headers-too-large" => "Request headers too large",
        "host-not-allowed" => "Host not allowed",
        "gateway-settings" => "Gateway settings unusable",
        "overloaded" => "Gateway overloaded",
        "unauthorized" => "Provider refused the credentials",
        "forbidden" => "Provider forbade the request",
        "not-found" => "Not found at the provider",
        "rate-limited" => "Rate limited by the provider",
        "provider" => "Provider error",
        "timeout" => "Provider timed out",
        "transport" => "Provider unreachable",
        "outcome-unknown" => "Outcome unknown",
        "decode" => "Provider answer unreadable",
        "too-large" => "Provider answer too large",
        _ => "Error",
    }
}

/// The problem document of `kind` with `status`, `detail` and `extra`
/// members (in the order given). An empty `detail` becomes the title, so
/// `detail` is never empty.
pub fn json(status: u16, kind: &str, detail: &str, extra: &[(&str, Value)]) -> Vec<u8> {
    let detail = if detail.trim().is_empty() { title(kind) } else { detail };
    let mut out = Vec::with_capacity(160 + detail.len());
    out.extend_from_slice(b"{\"type\":");
    string(&mut out, &[TYPE_PREFIX, kind].concat());
    out.extend_from_slice(b",\"title\":");
    string(&mut out, title(kind));
    out.extend_from_slice(b",\"status\":");
    out.extend_from_slice(crate::json::itoa(u64::from(status)).as_bytes());
    out.extend_from_slice(b",\"detail\":");
    string(&mut out, detail);
    out.extend_from_slice(b",\"kind\":");
    string(&mut out, kind);
    for (name, value) in extra {
        out.push(b',');
        string(&mut out, name);
        out.push(b':');
        // Serializing a `Value` cannot fail (string keys, finite numbers).
        out.extend_from_slice(&serde_json::to_vec(value).unwrap_or_default());
    }
    out.push(b'}');
    out
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&serde_json::to_vec(s).unwrap_or_default());
}

/// `detail` for an `invalid-input`: the field and the reason (neither
/// quotes a value that was sent).
pub fn input_detail(field: &str, reason: &str) -> String {
    if field.is_empty() {
        String::from(reason)
    } else {
        [field, ": ", reason].concat()
    }
}
