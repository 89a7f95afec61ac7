//! HTTP answers that are not a success, mapped to the shared `error`
//! variant: the status classes, the retry delay of a 429, and a short
//! description of a body for an error text (redirects never reach here:
//! [`crate::http::redirect`]). One place for every
//! provider; each provider's decoder extracts its own message and code.

use crate::prelude::*;

use crate::http::Response;
use crate::redact::excerpt;
use crate::{Error, ProviderError};

/// Maps a non-success HTTP status to its error case. `message` is the
/// provider's text (already extracted from the body), `code` its error code.
pub fn from_status(resp: &Response, code: Option<String>, message: String) -> Error {
    match resp.status {
        401 => Error::Unauthorized(message),
        403 => Error::Forbidden(message),
        404 => Error::NotFound(message),
        429 => Error::RateLimited(retry_after(resp)),
        status => Error::Provider(ProviderError { status, code, message }),
    }
}

/// The seconds a 429 asks to wait: the larger of `Retry-After` and
/// `X-RateLimit-Reset` (both in seconds; RingMe documents the second, the
/// HTTP standard the first), as a retry before either runs out would fail
/// again. `None` when neither is a number of seconds.
pub fn retry_after(resp: &Response) -> Option<u32> {
    // `None < Some(_)`: the larger of the two, or the one that is there.
    let read = |name: &str| resp.header(name).and_then(parse_seconds);
    read("retry-after").max(read("x-ratelimit-reset"))
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
/// itself when it is plain text, otherwise what kind of body it was.
/// The text is cut to a short message only after redaction
/// ([`crate::redact::redact_text`]).
pub fn describe_body(resp: &Response) -> String {
    // As `u32`: one integer formatter for the whole component.
    let status = u32::from(resp.status);
    let body = resp.body.as_slice();
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return format!("HTTP {status} with an empty body");
    }
    let ct = resp.content_type().unwrap_or("");
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    if crate::text::contains(ct, "html") || trimmed.first() == Some(&b'<') {
        return format!("HTTP {status} with an HTML body ({len} bytes)");
    }
    match core::str::from_utf8(trimmed) {
        Ok(text) => excerpt(text),
        Err(_) => format!("HTTP {status} with a binary body ({len} bytes)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn statuses_map_to_their_cases() {
        let m = || "m".to_string();
        assert!(matches!(from_status(&resp(401, &[], ""), None, m()), Error::Unauthorized(s) if s == "m"));
        assert!(matches!(from_status(&resp(403, &[], ""), None, m()), Error::Forbidden(_)));
        assert!(matches!(from_status(&resp(404, &[], ""), None, m()), Error::NotFound(_)));
        match from_status(&resp(500, &[], ""), Some("E1".into()), m()) {
            Error::Provider(p) => {
                assert_eq!((p.status, p.code.as_deref(), p.message.as_str()), (500, Some("E1"), "m"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limits_read_both_headers() {
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<u32>);
        let cases: [Case; 7] = [
            (&[("Retry-After", "17")], Some(17)),
            (&[("X-RateLimit-Reset", "1800")], Some(1800)),
            (&[("X-RateLimit-Reset", "1800"), ("Retry-After", "5")], Some(1800)),
            (&[("retry-after", "60"), ("x-ratelimit-reset", "5")], Some(60)),
            (&[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"), ("X-RateLimit-Reset", "x")], None),
            (&[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"), ("X-RateLimit-Reset", "9")], Some(9)),
            (&[], None),
        ];
        for (headers, want) in cases {
            assert!(
                matches!(
                    from_status(&resp(429, headers, "{}"), None, String::new()),
                    Error::RateLimited(got) if got == want
                ),
                "{headers:?}"
            );
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
        let bin = Response { status: 500, headers: vec![], body: vec![0xff, 0xfe, 0] };
        assert_eq!(describe_body(&bin), "HTTP 500 with a binary body (3 bytes)");
    }

    #[test]
    fn seconds_parse_strictly() {
        assert_eq!(parse_seconds(" 5 "), Some(5));
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("99999999999"), Some(u32::MAX));
        assert_eq!(parse_seconds(""), None);
    }
}
