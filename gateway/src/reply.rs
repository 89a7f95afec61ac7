//! The gateway's answers: `200 {"ok": value}`, and every failure as an
//! RFC 9457 problem (`application/problem+json`, see [`crate::problem`])
//! with its status. Provider errors arrive from the component already
//! redacted; the gateway's own refusals name the problem and never quote a
//! value that was sent.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use serde_json::Value;

use crate::json::{itoa, Bad, BadKind, Out, ToJson};
use crate::problem;
use crate::Error;

/// A response to send.
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type`: `application/json`, or
    /// `application/problem+json` for an error.
    pub content_type: &'static str,
    /// Extra headers.
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
        Reply { status: 200, content_type: JSON, headers: Vec::new(), body: Body::Ok(Box::new(value)) }
    }

    /// A pre-serialized JSON document (the OpenAPI document).
    pub fn raw(body: Vec<u8>) -> Self {
        Reply { status: 200, content_type: JSON, headers: Vec::new(), body: Body::Bytes(body) }
    }

    /// The problem `kind` with `status`, `detail` and its own members.
    pub fn problem(status: u16, kind: &str, detail: &str, extra: &[(&str, Value)]) -> Self {
        let body = problem::json(status, kind, detail, extra);
        Reply { status, content_type: problem::CONTENT_TYPE, headers: Vec::new(), body: Body::Bytes(body) }
    }

    /// A gateway refusal: the problem `kind` with a message and no members
    /// of its own.
    pub fn refuse(status: u16, kind: &str, detail: &str) -> Self {
        Self::problem(status, kind, detail, &[])
    }

    /// Adds a header.
    pub fn with(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// `invalid-input` (400) with `field` and `reason`: the gateway's and
    /// the component's refusals of an argument take the same shape.
    fn invalid_input(field: String, reason: String) -> Self {
        let detail = problem::input_detail(&field, &reason);
        Self::problem(
            400,
            "invalid-input",
            &detail,
            &[("field", Value::String(field)), ("reason", Value::String(reason))],
        )
    }

    /// A refused argument: `invalid-input` (400, with `field` and `reason`),
    /// `host-not-allowed` (403, with `field`) for a URL PBX_ALLOWED_HOSTS
    /// does not allow, or `gateway-settings` (500) when the settings are
    /// unusable.
    pub fn bad(b: Bad) -> Self {
        match b.kind {
            BadKind::Input => Self::invalid_input(b.field, b.reason),
            BadKind::Settings => Self::refuse(500, "gateway-settings", &b.reason),
            // The message says why and quotes nothing of the URL, not even
            // its host (pbx-egress `Refusal::message`).
            BadKind::HostNotAllowed => {
                Self::problem(403, "host-not-allowed", &b.reason, &[("field", Value::String(b.field))])
            }
        }
    }

    /// A provider error, with the status of its class: invalid-input 400,
    /// not-found 404, rate-limited 429 (+ `Retry-After` when known), timeout
    /// 504, every other case 502. Every case gets a `detail`: the
    /// component's (already redacted) message where it has one, else words
    /// of the gateway's.
    pub fn provider(e: Error) -> Self {
        match e {
            Error::InvalidInput(f) => Self::invalid_input(f.field, f.reason),
            Error::Unauthorized(m) => Self::refuse(502, "unauthorized", &m),
            Error::Forbidden(m) => Self::refuse(502, "forbidden", &m),
            Error::NotFound(m) => Self::refuse(404, "not-found", &m),
            Error::RateLimited(secs) => {
                let detail = match secs {
                    Some(s) => {
                        ["the provider is limiting the request rate; retry after ", &itoa(u64::from(s)), " s"].concat()
                    }
                    None => String::from("the provider is limiting the request rate; retry later"),
                };
                let r = Self::problem(
                    429,
                    "rate-limited",
                    &detail,
                    &[("retry-after", secs.map_or(Value::Null, Value::from))],
                );
                match secs {
                    Some(s) => r.with("retry-after", itoa(u64::from(s))),
                    None => r,
                }
            }
            Error::Provider(p) => {
                // A provider that answered an error without words still gets
                // a detail: its status.
                let detail = if p.message.trim().is_empty() {
                    ["the provider answered an error (status ", &itoa(u64::from(p.status)), ")"].concat()
                } else {
                    p.message
                };
                Self::problem(
                    502,
                    "provider",
                    &detail,
                    &[
                        ("provider-status", Value::from(p.status)),
                        ("provider-code", p.code.map_or(Value::Null, Value::String)),
                    ],
                )
            }
            Error::Timeout => {
                Self::refuse(504, "timeout", "the provider did not answer within the timeout (timeout-ms)")
            }
            Error::Transport(m) => Self::refuse(502, "transport", &m),
            // 502 like transport; the kind tells a caller not to retry blindly.
            Error::OutcomeUnknown(m) => Self::refuse(502, "outcome-unknown", &m),
            Error::Decode(m) => Self::refuse(502, "decode", &m),
            Error::TooLarge(cap) => Self::problem(
                502,
                "too-large",
                &["the provider's answer is over the cap of ", &itoa(cap), " bytes (max-body-bytes)"].concat(),
                &[("cap", Value::from(cap))],
            ),
        }
    }
}

/// The `Content-Type` of a success.
const JSON: &str = "application/json";
