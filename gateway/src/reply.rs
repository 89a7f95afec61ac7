//! The gateway's answers: `200 {"ok": value}`, and every failure as
//! `{"error": {"kind": "<kind>", ...}}` with its status. Provider errors
//! arrive from the component already redacted; the gateway's own refusals
//! name the problem and never quote a value that was sent.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use serde_json::{Map, Value};

use crate::json::{itoa, Bad, BadKind, Out, ToJson};
use crate::Error;

/// A response to send.
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// Extra headers (`Content-Type: application/json` is always sent).
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: Body,
}

/// A reply's JSON body.
pub enum Body {
    /// The text itself.
    Bytes(Vec<u8>),
    /// `{"ok": value}`, written when it is sent: a large result goes to the
    /// stream in chunks instead of being held again as text.
    Ok(Box<dyn ToJson>),
}

impl Body {
    /// Writes the body to `sink`, in chunks.
    pub fn write(self, sink: &mut dyn FnMut(&[u8])) {
        match self {
            Body::Bytes(b) => sink(&b),
            Body::Ok(v) => {
                let mut out = Out::to(sink);
                out.text("{\"ok\":");
                v.write_json(&mut out);
                out.text("}");
                out.flush();
            }
        }
    }

    /// The whole body as bytes (tests).
    pub fn into_bytes(self) -> Vec<u8> {
        let mut all = Vec::new();
        self.write(&mut |b| all.extend_from_slice(b));
        all
    }
}

impl Reply {
    /// `200 {"ok": value}`.
    pub fn ok(value: impl ToJson + 'static) -> Self {
        Reply { status: 200, headers: Vec::new(), body: Body::Ok(Box::new(value)) }
    }

    /// A pre-serialized JSON document (the OpenAPI document).
    pub fn raw(body: Vec<u8>) -> Self {
        Reply { status: 200, headers: Vec::new(), body: Body::Bytes(body) }
    }

    fn json(status: u16, v: &Value) -> Self {
        // Serializing a `Value` cannot fail (string keys, no non-finite numbers).
        Reply { status, headers: Vec::new(), body: Body::Bytes(serde_json::to_vec(v).unwrap_or_default()) }
    }

    /// `{"error": {"kind": kind, ...fields}}` with `status`.
    pub fn error(status: u16, kind: &str, mut fields: Map<String, Value>) -> Self {
        fields.insert("kind".into(), Value::String(kind.into()));
        let mut o = Map::new();
        o.insert("error".into(), Value::Object(fields));
        Self::json(status, &Value::Object(o))
    }

    /// A gateway refusal with a message.
    pub fn refuse(status: u16, kind: &str, message: &str) -> Self {
        Self::error(status, kind, fields(&[("message", Value::String(message.into()))]))
    }

    /// Adds a header.
    pub fn with(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// A refused argument: `invalid-input` (400, with `field` and `reason`,
    /// the shape of the component's own `invalid-input`),
    /// `host-not-allowed` (403, with `field` and `message`) for a URL
    /// PBX_ALLOWED_HOSTS does not allow, or `gateway-settings` (500) when the
    /// settings are unusable.
    pub fn bad(b: Bad) -> Self {
        match b.kind {
            BadKind::Input => Self::error(
                400,
                "invalid-input",
                fields(&[("field", Value::String(b.field)), ("reason", Value::String(b.reason))]),
            ),
            BadKind::Settings => Self::refuse(500, "gateway-settings", &b.reason),
            // The message names the scheme, host and port, never a path,
            // query or user information (pbx-egress `Refusal::message`).
            BadKind::HostNotAllowed => Self::error(
                403,
                "host-not-allowed",
                fields(&[("field", Value::String(b.field)), ("message", Value::String(b.reason))]),
            ),
        }
    }

    /// A provider error, with the status of its class: invalid-input 400,
    /// not-found 404, rate-limited 429 (+ `Retry-After` when known), timeout
    /// 504, every other case 502.
    pub fn provider(e: Error) -> Self {
        let msg = |m: String| fields(&[("message", Value::String(m))]);
        match e {
            Error::InvalidInput(f) => Self::error(
                400,
                "invalid-input",
                fields(&[("field", Value::String(f.field)), ("reason", Value::String(f.reason))]),
            ),
            Error::Unauthorized(m) => Self::error(502, "unauthorized", msg(m)),
            Error::Forbidden(m) => Self::error(502, "forbidden", msg(m)),
            Error::NotFound(m) => Self::error(404, "not-found", msg(m)),
            Error::RateLimited(secs) => {
                let r =
                    Self::error(429, "rate-limited", fields(&[("retry-after", secs.map_or(Value::Null, Value::from))]));
                match secs {
                    Some(s) => r.with("retry-after", itoa(u64::from(s))),
                    None => r,
                }
            }
            Error::Provider(p) => Self::error(
                502,
                "provider",
                fields(&[
                    ("status", Value::from(p.status)),
                    ("code", p.code.map_or(Value::Null, Value::String)),
                    ("message", Value::String(p.message)),
                ]),
            ),
            Error::Timeout => Self::error(504, "timeout", Map::new()),
            Error::Transport(m) => Self::error(502, "transport", msg(m)),
            // 502 like transport; the kind tells a caller not to retry blindly.
            Error::OutcomeUnknown(m) => Self::error(502, "outcome-unknown", msg(m)),
            Error::Decode(m) => Self::error(502, "decode", msg(m)),
            Error::TooLarge(cap) => Self::error(502, "too-large", fields(&[("cap", Value::from(cap))])),
        }
    }
}

fn fields(items: &[(&str, Value)]) -> Map<String, Value> {
    items.iter().map(|(k, v)| (String::from(*k), v.clone())).collect()
}
