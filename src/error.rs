//! The shared `error` variant: constructors, HTTP status mapping, and the
//! redaction every operation applies before an error leaves the component.

use crate::prelude::*;

use crate::http::Response;
use crate::{Error, FieldError, ProviderError};

/// Every fallible step in the component returns this.
pub type Result<T> = core::result::Result<T, Error>;

/// What replaces a secret found in an error text.
pub const REDACTED: &str = "[redacted]";

/// Longest provider text an error carries (in characters).
const MAX_MESSAGE_CHARS: usize = 200;

/// `invalid-input` for `field`: nothing was sent.
pub fn invalid(field: &str, reason: impl Into<String>) -> Error {
    Error::InvalidInput(FieldError {
        field: field.to_string(),
        reason: reason.into(),
    })
}

/// `decode`: the answer did not have the documented shape.
pub fn decode(what: impl Into<String>) -> Error {
    Error::Decode(what.into())
}

/// Maps a non-success HTTP status to its error case. `message` is the
/// provider's text (already extracted from the body), `code` its error code.
pub fn from_status(resp: &Response, code: Option<String>, message: String) -> Error {
    match resp.status {
        401 => Error::Unauthorized(message),
        403 => Error::Forbidden(message),
        404 => Error::NotFound(message),
        429 => Error::RateLimited(resp.header("retry-after").and_then(parse_seconds)),
        status => Error::Provider(ProviderError {
            status,
            code,
            message,
        }),
    }
}

/// Parses a delay in whole seconds (`Retry-After: 30`, `X-RateLimit-Reset: 30`).
/// The HTTP-date form of `Retry-After` has no wall clock here and gives `None`.
pub fn parse_seconds(value: &str) -> Option<u32> {
    let v = value.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(v.parse::<u64>().map_or(u32::MAX, |n| n.min(u64::from(u32::MAX)) as u32))
}

/// A short, printable description of a body for an error message: the text
/// itself when it is short plain text, otherwise what kind of body it was.
pub fn describe_body(resp: &Response) -> String {
    // As `u32`: one integer formatter for the whole component.
    let status = u32::from(resp.status);
    let body = resp.body.as_slice();
    let trimmed = trim_ascii(body);
    if trimmed.is_empty() {
        return format!("HTTP {status} with an empty body");
    }
    let ct = resp.content_type().unwrap_or("");
    if crate::text::contains(ct, "html") || trimmed.first() == Some(&b'<') {
        return format!("HTTP {status} with an HTML body ({} bytes)", body.len());
    }
    match core::str::from_utf8(trimmed) {
        Ok(text) => clip(text),
        Err(_) => format!("HTTP {status} with a binary body ({} bytes)", body.len()),
    }
}

/// A JSON value (or number) as compact JSON text: what `Display` writes,
/// without the pretty printer and `std::io` adapter that `Value`'s `Display`
/// brings, and with the one integer and float writer the component has.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Serializing a `Value` or a number into memory cannot fail (keys are
    // strings).
    serde_json::to_string(value).unwrap_or_default()
}

/// Cuts provider text to a printable, bounded message.
pub fn clip(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_MESSAGE_CHARS)
        .collect();
    if text.chars().count() > MAX_MESSAGE_CHARS {
        out.push('…');
    }
    out
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &b[start..end]
}

impl Error {
    /// Replaces every occurrence of each secret (raw and percent-encoded)
    /// in the error's texts. Every exported function applies this, so a
    /// provider that echoes a key, or a host error that quotes the URL,
    /// cannot leak it.
    pub fn redact(self, secrets: &[&str]) -> Error {
        let scrub = |s: String| redact_text(s, secrets);
        match self {
            Error::InvalidInput(f) => Error::InvalidInput(FieldError {
                field: f.field,
                reason: scrub(f.reason),
            }),
            Error::Unauthorized(m) => Error::Unauthorized(scrub(m)),
            Error::Forbidden(m) => Error::Forbidden(scrub(m)),
            Error::NotFound(m) => Error::NotFound(scrub(m)),
            Error::Provider(p) => Error::Provider(ProviderError {
                status: p.status,
                code: p.code.map(scrub),
                message: scrub(p.message),
            }),
            Error::Transport(m) => Error::Transport(scrub(m)),
            Error::Decode(m) => Error::Decode(scrub(m)),
            other @ (Error::RateLimited(_) | Error::Timeout | Error::TooLarge(_)) => other,
        }
    }
}

/// Removes each secret, raw or percent-encoded, from `text`.
pub fn redact_text(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let encoded = crate::url::encode_component(secret);
        for form in [*secret, encoded.as_str()] {
            if crate::text::contains(&text, form) {
                text = crate::text::replace(&text, form, REDACTED);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn statuses_map_to_their_cases() {
        let m = || "m".to_string();
        assert!(matches!(from_status(&resp(401, &[], ""), None, m()), Error::Unauthorized(s) if s == "m"));
        assert!(matches!(from_status(&resp(403, &[], ""), None, m()), Error::Forbidden(_)));
        assert!(matches!(from_status(&resp(404, &[], ""), None, m()), Error::NotFound(_)));
        assert!(matches!(
            from_status(&resp(429, &[("Retry-After", "17")], ""), None, m()),
            Error::RateLimited(Some(17))
        ));
        assert!(matches!(
            from_status(&resp(429, &[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")], ""), None, m()),
            Error::RateLimited(None)
        ));
        match from_status(&resp(500, &[], ""), Some("E1".into()), m()) {
            Error::Provider(p) => {
                assert_eq!((p.status, p.code.as_deref(), p.message.as_str()), (500, Some("E1"), "m"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bodies_are_described_not_dumped() {
        assert_eq!(describe_body(&resp(502, &[], "")), "HTTP 502 with an empty body");
        assert_eq!(
            describe_body(&resp(502, &[("content-type", "text/html")], "<html>bad gateway</html>")),
            "HTTP 502 with an HTML body (24 bytes)"
        );
        assert_eq!(describe_body(&resp(500, &[], " oops\r\n")), "oops");
        let long = "x".repeat(500);
        assert_eq!(describe_body(&resp(500, &[], &long)).chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn redaction_covers_raw_and_encoded_secrets() {
        let e = Error::Transport("GET https://h/?key=a%2Fb c a/b".into()).redact(&["a/b"]);
        assert!(matches!(e, Error::Transport(ref s) if s == "GET https://h/?key=[redacted] c [redacted]"), "{e:?}");
        let e = Error::Provider(ProviderError { status: 200, code: Some("k1".into()), message: "bad k1".into() })
            .redact(&["k1", ""]);
        assert!(format!("{e:?}").matches("k1").count() == 0);
    }

    #[test]
    fn seconds_parse_strictly() {
        assert_eq!(parse_seconds(" 5 "), Some(5));
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("99999999999"), Some(u32::MAX));
        assert_eq!(parse_seconds(""), None);
    }
}
