//! The one WASI HTTP client. Every provider builds a [`Request`] (pure data,
//! unit-testable natively) and hands it to [`send`], which talks to
//! `wasi:http/outgoing-handler`, enforces the deadline (upload, wait and
//! download alike) and the body cap, and maps transport failures to the
//! shared `error` variant. Redirects are never followed: a 3xx is an error
//! naming the target host ([`redirect`]). A body that ends
//! before its `Content-Length`, or breaks off, is `transport("response
//! incomplete: ...")`. Other status codes are left to the provider's
//! decoder, which knows how its errors look.

use crate::prelude::*;

use crate::error::Result;
use crate::url::Target;
use crate::{Error, ProviderError};

/// Default cap on a response body: 16 MiB.
pub const DEFAULT_MAX_BODY: u64 = 16 * 1024 * 1024;

/// What a cut-off answer says: a body shorter than its `Content-Length`, one
/// that broke off, or the host's `HTTP-response-incomplete`.
pub const INCOMPLETE: &str = "response incomplete: the answer ended early";

/// A 3xx answer: `provider` with that status and the message "redirect to
/// host H (not followed)", where H is the host of `location` only (never
/// its path, query or user information); a relative `location` (or none
/// that names a host) is the request's own host, `request_authority`.
/// Nothing follows redirects: credentials must not travel to another host.
pub fn redirect(status: u16, location: Option<&str>, request_authority: &str) -> Error {
    // Byte loops rather than `split` with several patterns: less code.
    let loc = location.unwrap_or("").trim().as_bytes();
    // `scheme://authority...` or `//authority...` names a host; else relative.
    let mut authority: &[u8] = b"";
    if let Some(i) = loc.windows(2).position(|w| w == b"//") {
        if loc[..i].iter().all(|b| b.is_ascii_alphanumeric() || b"+-.:".contains(b)) {
            let rest = &loc[i + 2..];
            let end = rest.iter().position(|b| b"/?#\\".contains(b)).unwrap_or(rest.len());
            authority = &rest[..end];
            // Without user information.
            if let Some(at) = authority.iter().rposition(|b| *b == b'@') {
                authority = &authority[at + 1..];
            }
        }
    }
    if authority.is_empty() {
        authority = request_authority.as_bytes();
    }
    // The host: `[v6]` or the name before `:port`.
    let end = match authority.first() {
        Some(b'[') => authority.iter().position(|b| *b == b']').map_or(0, |i| i + 1),
        _ => authority.iter().position(|b| *b == b':').unwrap_or(authority.len()),
    };
    let host = &authority[..end];
    let valid = !host.is_empty() && host.iter().all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(b));
    let mut message = String::from("redirect to host ");
    match core::str::from_utf8(host) {
        Ok(h) if valid => message.push_str(&h.to_ascii_lowercase()),
        _ => message.push_str("(an invalid host)"),
    }
    message.push_str(" (not followed)");
    Error::Provider(ProviderError { status, code: None, message })
}

/// The HTTP methods the providers use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

/// A request body with its media type; sent with a `Content-Length`.
#[derive(Clone, PartialEq, Eq)]
pub struct Body {
    /// The `Content-Type` header value.
    pub content_type: String,
    /// The exact bytes.
    pub bytes: Vec<u8>,
}

/// One outgoing request, fully built. Its `Debug` omits header values and
/// the query, which can hold credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// Where it goes.
    pub target: Target,
    /// Extra headers (name, value), in order. `Content-Type` and
    /// `Content-Length` are added from `body`.
    pub headers: Vec<(&'static str, String)>,
    /// The body, if any.
    pub body: Option<Body>,
    /// Deadline for the whole exchange, in milliseconds.
    pub timeout_ms: u32,
    /// Largest accepted response body, in bytes.
    pub max_body: u64,
    /// Whether the request may act at the provider (place or end a call,
    /// write a record): a failure after it was handed over in full is then
    /// `outcome-unknown`, never `timeout` or `transport`, which promise that
    /// nothing was done. [`Request::new`] sets it for every method but `GET`;
    /// builders whose `GET`s act (TRiNG's `DIAL`) or whose `POST`s only read
    /// (RingMe's token) say so with [`Request::acts`].
    pub acts: bool,
}

impl core::fmt::Debug for Request {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let path = self.target.path_and_query.split('?').next().unwrap_or("");
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("authority", &self.target.authority)
            .field("path", &path)
            .field("headers", &self.headers.iter().map(|(n, _)| *n).collect::<Vec<_>>())
            .field("body_len", &self.body.as_ref().map(|b| b.bytes.len()))
            .field("acts", &self.acts)
            .finish()
    }
}

impl Request {
    /// A request with no headers or body yet.
    pub fn new(method: Method, target: Target, timeout_ms: u32) -> Request {
        let acts = method != Method::Get;
        Request { method, target, headers: Vec::new(), body: None, timeout_ms, max_body: DEFAULT_MAX_BODY, acts }
    }

    /// Says whether the request may act at the provider (see [`Request::acts`](Request#structfield.acts)).
    pub fn acts(mut self, acts: bool) -> Request {
        self.acts = acts;
        self
    }

    /// Adds a header (the value must already be validated).
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets the largest accepted response body (from the validated
    /// `max-body-bytes` of the config).
    pub fn max_body(mut self, bytes: u64) -> Request {
        self.max_body = bytes;
        self
    }

    /// Sets the body.
    pub fn body(mut self, content_type: &str, bytes: Vec<u8>) -> Request {
        self.body = Some(Body { content_type: content_type.to_string(), bytes });
        self
    }

    /// Every header that goes on the wire, including the body's.
    pub fn wire_headers(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.headers.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
        if let Some(body) = &self.body {
            out.push(("Content-Type".into(), body.content_type.clone()));
            out.push(("Content-Length".into(), body.bytes.len().to_string()));
        }
        out
    }
}

/// A complete answer: status, headers and the whole body (within the cap).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Header names (lower case) and raw values.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header, by case-insensitive name, if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).and_then(|(_, v)| core::str::from_utf8(v).ok())
    }

    /// The media type, lower-cased, without parameters.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type").map(|v| v.split(';').next().unwrap_or("").trim())
    }

    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Sends `req` and reads the whole answer.
#[cfg(target_arch = "wasm32")]
pub fn send(req: &Request) -> Result<Response> {
    wasi_client::send(req)
}

/// Native builds (unit tests) have no WASI HTTP; nothing is sent. Unit
/// tests may answer through [`TEST_ANSWER`] (the fuzz tests do).
#[cfg(not(target_arch = "wasm32"))]
pub fn send(req: &Request) -> Result<Response> {
    #[cfg(test)]
    if let Some(answer) = TEST_ANSWER.with(|hook| hook.borrow_mut().as_mut().map(|answer| answer(req))) {
        return answer;
    }
    let _ = req;
    Err(Error::Transport("no wasi:http outside a component".into()))
}

/// How a unit test answers a request (per thread).
#[cfg(all(test, not(target_arch = "wasm32")))]
pub type TestAnswer = Box<dyn FnMut(&Request) -> Result<Response>>;

#[cfg(all(test, not(target_arch = "wasm32")))]
std::thread_local! {
    /// The answerer of this thread's requests in unit tests; none: nothing is sent.
    pub static TEST_ANSWER: core::cell::RefCell<Option<TestAnswer>> = const { core::cell::RefCell::new(None) };
}

mod outcome;
pub use outcome::{describe_error_code, lost, never_sent, Lost};

#[cfg(target_arch = "wasm32")]
mod wasi_client;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::BaseUrl;

    #[test]
    fn debug_hides_query_and_header_values() {
        let base = BaseUrl::parse("b", "https://h", false).unwrap();
        let req = Request::new(Method::Get, base.target("/p", &[("key", "s3cret")]), 1000)
            .header("Auth-key", "s3cret")
            .body("text/plain", b"s3cret".to_vec());
        let dbg = format!("{req:?}");
        assert!(!dbg.contains("s3cret"), "{dbg}");
        assert!(dbg.contains("Auth-key") && dbg.contains("\"/p\""), "{dbg}");
    }

    #[test]
    fn incomplete_bodies_say_so() {
        let text = |e: Error| match e {
            Error::Transport(m) => m,
            other => panic!("{other:?}"),
        };
        let code = wasi::http::types::ErrorCode::HttpResponseIncomplete;
        assert_eq!(text(describe_error_code(&code)), INCOMPLETE);
        let req = Request::new(Method::Get, BaseUrl::parse("b", "https://h", false).unwrap().target("/", &[]), 1);
        assert_eq!(req.max_body, DEFAULT_MAX_BODY);
        assert_eq!(req.max_body(5).max_body, 5);
    }

    #[test]
    fn a_lost_answer_is_unknown_only_for_requests_that_act() {
        use wasi::http::types::ErrorCode as C;
        let assert_same = |a: Error, b: Error| assert_eq!(format!("{a:?}"), format!("{b:?}"));
        let unknown = |e: Error| match e {
            Error::OutcomeUnknown(m) => m,
            other => panic!("{other:?}"),
        };
        // A read keeps its plain type: a retry is safe.
        assert_same(lost(false, Lost::Deadline), Error::Timeout);
        assert_same(lost(false, Lost::Incomplete), Error::Transport(INCOMPLETE.into()));
        assert_same(
            lost(false, Lost::Host(&C::ConnectionTerminated)),
            Error::Transport("connection terminated".into()),
        );
        // A request that acts, after the hand-over: the provider may have acted.
        assert_eq!(
            unknown(lost(true, Lost::Deadline)),
            "no answer within the deadline after the request was handed over (the provider may have acted)"
        );
        assert!(unknown(lost(true, Lost::Incomplete)).starts_with(INCOMPLETE));
        for code in [C::ConnectionTerminated, C::HttpProtocolError, C::HttpResponseIncomplete, C::InternalError(None)] {
            unknown(lost(true, Lost::Host(&code)));
        }
        assert!(unknown(lost(true, Lost::Host(&C::HttpResponseTimeout))).starts_with("no answer within the deadline"));
        // Failures that prove nothing reached the provider stay plain.
        assert_same(lost(true, Lost::Host(&C::ConnectionRefused)), Error::Transport("connection refused".into()));
        assert_same(lost(true, Lost::Host(&C::ConnectionTimeout)), Error::Timeout);
        assert_same(lost(true, Lost::Host(&C::TlsCertificateError)), Error::Transport("TLS certificate error".into()));
        assert_same(
            lost(true, Lost::Host(&C::HttpRequestDenied)),
            Error::Transport("request denied by the host".into()),
        );
    }

    #[test]
    fn only_get_reads_by_default() {
        let target = || BaseUrl::parse("b", "https://h", false).unwrap().target("/", &[]);
        assert!(!Request::new(Method::Get, target(), 1).acts);
        for m in [Method::Post, Method::Put, Method::Delete] {
            assert!(Request::new(m, target(), 1).acts);
        }
        assert!(Request::new(Method::Get, target(), 1).acts(true).acts);
    }

    #[test]
    fn redirects_name_the_host_only() {
        let msg = |loc: Option<&str>| match redirect(302, loc, "api.example.com:8443") {
            Error::Provider(p) if p.status == 302 && p.code.is_none() => p.message,
            other => panic!("{other:?}"),
        };
        for (loc, host) in [
            (Some("https://Evil.example.net/steal?key=SECRET#f"), "evil.example.net"),
            (Some("http://user:SECRET@other.example:81/p"), "other.example"),
            (Some("//cdn.example.org/x?key=SECRET"), "cdn.example.org"),
            (Some("/login?next=/a&key=SECRET"), "api.example.com"),
            (Some("relative/path?key=SECRET"), "api.example.com"),
            (Some("https://[::1]:8080/x"), "[::1]"),
            (None, "api.example.com"),
            (Some("https://bad host/x"), "(an invalid host)"),
            (Some("javascript://%0aalert(1)"), "(an invalid host)"),
        ] {
            let m = msg(loc);
            assert_eq!(m, format!("redirect to host {host} (not followed)"), "{loc:?}");
            assert!(!m.contains("SECRET"));
        }
    }

    #[test]
    fn body_headers_carry_a_content_length() {
        let base = BaseUrl::parse("b", "https://h", false).unwrap();
        let req = Request::new(Method::Post, base.target("/p", &[]), 1000).body("application/json", b"{}".to_vec());
        assert_eq!(
            req.wire_headers(),
            vec![
                ("Content-Type".to_string(), "application/json".to_string()),
                ("Content-Length".to_string(), "2".to_string())
            ]
        );
    }
}
