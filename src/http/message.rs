//! What an exchange carries: the [`Request`] a provider builds (pure data)
//! and the [`Response`] it gets back, and what a redirect means
//! ([`redirect`]). A leaf: the client ([`super::send`]) and the failures'
//! meanings import it.

use crate::prelude::*;

use crate::url::Target;
use crate::{Error, ProviderError};

/// Default cap on a response body: 16 MiB.
pub const DEFAULT_MAX_BODY: u64 = 16 * 1024 * 1024;

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

/// Every response header anything here reads.
pub const READ_HEADERS: [&str; 5] = ["content-length", "content-type", "location", "retry-after", "x-ratelimit-reset"];

/// The response headers the WASI client fetches for a status, each by
/// `get` (`entries` lowered every header a provider sent into the
/// instance, two allocations each): for a success only the length and the
/// media type (the hot path), for any other status all of
/// [`READ_HEADERS`] (rare, and a decoder of an error may read any of
/// them). [`Response::header`] is only asked for these (checked in debug
/// builds: a decoder reading another one fails the unit tests and the
/// fuzzers).
pub fn read_headers(status: u16) -> &'static [&'static str] {
    const SUCCESS: &[&str] = &["content-length", "content-type"];
    if (200..300).contains(&status) {
        SUCCESS
    } else {
        &READ_HEADERS
    }
}

impl Response {
    /// The first value of a header, by case-insensitive name, if it is text.
    /// Only the [`read_headers`] of its status are fetched.
    pub fn header(&self, name: &str) -> Option<&str> {
        debug_assert!(
            read_headers(self.status).iter().any(|h| h.eq_ignore_ascii_case(name)),
            "{name} is not among read_headers({}): the WASI client would not fetch it",
            self.status
        );
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
