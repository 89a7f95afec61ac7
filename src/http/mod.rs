//! The one WASI HTTP client. Every provider builds a [`Request`] (pure data,
//! unit-testable natively) and hands it to [`send`], which talks to
//! `wasi:http/outgoing-handler`, enforces the deadline (upload, wait and
//! download alike) and the body cap, and maps transport failures to the
//! shared `error` variant. Redirects are never followed: a 3xx is an error
//! naming the target host ([`redirect`]). A body that ends
//! before its `Content-Length`, or breaks off, is `transport("response
//! incomplete: ...")`. Other status codes are left to the provider's
//! decoder, which knows how its errors look.

use crate::error::Result;

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
    Err(crate::Error::Transport("no wasi:http outside a component".into()))
}

/// How a unit test answers a request (per thread).
#[cfg(all(test, not(target_arch = "wasm32")))]
pub type TestAnswer = Box<dyn FnMut(&Request) -> Result<Response>>;

#[cfg(all(test, not(target_arch = "wasm32")))]
std::thread_local! {
    /// The answerer of this thread's requests in unit tests; none: nothing is sent.
    pub static TEST_ANSWER: core::cell::RefCell<Option<TestAnswer>> = const { core::cell::RefCell::new(None) };
}

mod message;
mod outcome;
pub use message::{redirect, Body, Method, Request, Response, DEFAULT_MAX_BODY};
pub use outcome::{describe_error_code, lost, never_sent, Lost, INCOMPLETE};

#[cfg(target_arch = "wasm32")]
mod wasi_client;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::BaseUrl;
    use crate::Error;

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

    /// The WASI client fetches only [`message::read_headers`] of a
    /// status: reading any other header is caught in debug builds, so a
    /// decoder that starts reading one fails its tests instead of seeing
    /// `None` on wasm.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "server is not among read_headers(500)")]
    fn reading_a_header_the_client_does_not_fetch_is_caught() {
        let resp = Response { status: 500, headers: vec![("server".into(), b"nginx".to_vec())], body: Vec::new() };
        let _ = resp.header("server");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "retry-after is not among read_headers(200)")]
    fn a_success_fetches_only_its_length_and_type() {
        let resp = Response { status: 200, headers: Vec::new(), body: Vec::new() };
        let _ = resp.header("retry-after");
    }

    #[test]
    fn every_other_status_fetches_everything_read() {
        for status in [100, 301, 302, 304, 400, 401, 404, 429, 500, 503] {
            assert_eq!(message::read_headers(status), message::READ_HEADERS, "{status}");
        }
        assert_eq!(message::read_headers(200), ["content-length", "content-type"]);
        assert_eq!(message::read_headers(206), ["content-length", "content-type"]);
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
