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

/// Maps a `wasi:http` error code to the shared error. Timeouts of any phase
/// are `timeout`; everything else is `transport` with a fixed description.
pub fn describe_error_code(code: &wasi::http::types::ErrorCode) -> Error {
    use wasi::http::types::ErrorCode as C;
    let text = match code {
        C::DnsTimeout
        | C::ConnectionTimeout
        | C::ConnectionReadTimeout
        | C::ConnectionWriteTimeout
        | C::HttpResponseTimeout => return Error::Timeout,
        C::DnsError(_) => "DNS lookup failed",
        C::DestinationNotFound => "destination not found",
        C::DestinationUnavailable => "destination unavailable",
        C::DestinationIpProhibited => "destination IP prohibited by the host",
        C::DestinationIpUnroutable => "destination IP unroutable",
        C::ConnectionRefused => "connection refused",
        C::ConnectionTerminated => "connection terminated",
        C::ConnectionLimitReached => "connection limit reached",
        C::TlsProtocolError => "TLS protocol error",
        C::TlsCertificateError => "TLS certificate error",
        C::TlsAlertReceived(_) => "TLS alert received",
        C::HttpRequestDenied => "request denied by the host",
        C::HttpRequestLengthRequired => "length required",
        C::HttpRequestBodySize(_) => "request body size refused",
        C::HttpRequestMethodInvalid => "invalid method",
        C::HttpRequestUriInvalid => "invalid URI",
        C::HttpRequestUriTooLong => "URI too long",
        C::HttpRequestHeaderSectionSize(_) => "request header section too large",
        C::HttpRequestHeaderSize(_) => "request header too large",
        C::HttpRequestTrailerSectionSize(_) => "request trailer section too large",
        C::HttpRequestTrailerSize(_) => "request trailer too large",
        C::HttpResponseIncomplete => INCOMPLETE,
        C::HttpResponseHeaderSectionSize(_) => "response header section too large",
        C::HttpResponseHeaderSize(_) => "response header too large",
        C::HttpResponseBodySize(_) => "response body size refused by the host",
        C::HttpResponseTrailerSectionSize(_) => "response trailer section too large",
        C::HttpResponseTrailerSize(_) => "response trailer too large",
        C::HttpResponseTransferCoding(_) => "unsupported response transfer coding",
        C::HttpResponseContentCoding(_) => "unsupported response content coding",
        C::HttpUpgradeFailed => "HTTP upgrade failed",
        C::HttpProtocolError => "HTTP protocol error",
        C::LoopDetected => "loop detected",
        C::ConfigurationError => "host configuration error",
        C::InternalError(Some(msg)) => return Error::Transport(format!("host error: {}", crate::redact::excerpt(msg))),
        C::InternalError(None) => "host internal error",
    };
    Error::Transport(text.to_string())
}

/// Whether a host error code proves the request never reached the provider:
/// the name did not resolve, no connection or TLS session was made, or the
/// host refused the request before sending it. Every other failure after
/// the hand-over (a dropped connection, a protocol error, a response
/// timeout) may come after the provider read the request.
pub fn never_sent(code: &wasi::http::types::ErrorCode) -> bool {
    use wasi::http::types::ErrorCode as C;
    matches!(
        code,
        C::DnsTimeout
            | C::DnsError(_)
            | C::DestinationNotFound
            | C::DestinationUnavailable
            | C::DestinationIpProhibited
            | C::DestinationIpUnroutable
            | C::ConnectionRefused
            | C::ConnectionTimeout
            | C::ConnectionLimitReached
            | C::TlsProtocolError
            | C::TlsCertificateError
            | C::TlsAlertReceived(_)
            | C::HttpRequestDenied
            | C::HttpRequestLengthRequired
            | C::HttpRequestBodySize(_)
            | C::HttpRequestMethodInvalid
            | C::HttpRequestUriInvalid
            | C::HttpRequestUriTooLong
            | C::HttpRequestHeaderSectionSize(_)
            | C::HttpRequestHeaderSize(_)
            | C::HttpRequestTrailerSectionSize(_)
            | C::HttpRequestTrailerSize(_)
            | C::LoopDetected
            | C::ConfigurationError
    )
}

/// Why an exchange ended without a complete answer after the request was
/// handed to the host in full.
pub enum Lost<'a> {
    /// The deadline passed while waiting for the answer or its body.
    Deadline,
    /// The host reported this error.
    Host(&'a wasi::http::types::ErrorCode),
    /// The answer's body ended early or broke off.
    Incomplete,
}

/// The error for an exchange that ended as `why` after the hand-over. For a
/// request that acts, anything that may have come after the provider read
/// it is `outcome-unknown` (a retry may act twice); a read, or a failure
/// that proves nothing was sent ([`never_sent`]), keeps its plain type.
pub fn lost(acts: bool, why: Lost<'_>) -> Error {
    let plain = match &why {
        Lost::Deadline => Error::Timeout,
        Lost::Host(code) => describe_error_code(code),
        Lost::Incomplete => Error::Transport(INCOMPLETE.into()),
    };
    if !acts || matches!(why, Lost::Host(code) if never_sent(code)) {
        return plain;
    }
    let what = match plain {
        Error::Timeout => "no answer within the deadline".to_string(),
        Error::Transport(text) => text,
        other => return other,
    };
    Error::OutcomeUnknown(what + " after the request was handed over (the provider may have acted)")
}

#[cfg(target_arch = "wasm32")]
mod wasi_client {
    use super::{describe_error_code, lost, Lost, Method, Request, Response};
    use crate::error::Result;
    use crate::prelude::*;
    use crate::url::Scheme;
    use crate::Error;
    use wasi::clocks::monotonic_clock;
    use wasi::http::outgoing_handler;
    use wasi::http::types::{
        Fields, FutureIncomingResponse, HeaderError, IncomingResponse, Method as WMethod, OutgoingBody,
        OutgoingRequest, RequestOptions, Scheme as WScheme,
    };
    use wasi::io::poll::{poll, Pollable};
    use wasi::io::streams::StreamError;

    /// Largest single read from the incoming body stream.
    const READ_CHUNK: u64 = 64 * 1024;

    /// The deadline of one exchange. Every host call costs (0.3-0.45 us
    /// measured), and a pollable on the clock costs more: each `poll` or
    /// `ready` of it arms and cancels a timer in the host. So the deadline is
    /// checked by reading the clock, and its pollable is made only when the
    /// component has to wait, once per exchange.
    struct Deadline {
        at: u64,
        timer: Option<Pollable>,
    }

    impl Deadline {
        fn passed(&self) -> bool {
            monotonic_clock::now() >= self.at
        }

        /// Blocks until `ready` is ready or the deadline passes.
        fn wait(&mut self, ready: &Pollable) {
            let at = self.at;
            let timer = self.timer.get_or_insert_with(|| monotonic_clock::subscribe_instant(at));
            poll(&[ready, timer]);
        }
    }

    pub fn send(req: &Request) -> Result<Response> {
        let timeout_ns = u64::from(req.timeout_ms) * 1_000_000;
        let mut deadline = Deadline { at: monotonic_clock::now().saturating_add(timeout_ns), timer: None };

        // One host call for all headers (`from-list`), not one per header.
        let entries: Vec<(String, Vec<u8>)> =
            req.wire_headers().into_iter().map(|(name, value)| (name, value.into_bytes())).collect();
        let headers = Fields::from_list(&entries)
            .map_err(|e| Error::Transport(format!("a request header refused by the host: {}", header_error(&e))))?;
        let request = OutgoingRequest::new(headers);
        let method = match req.method {
            Method::Get => None, // the default method: no call to set it
            Method::Post => Some(WMethod::Post),
            Method::Put => Some(WMethod::Put),
            Method::Delete => Some(WMethod::Delete),
        };
        let scheme = match req.target.scheme {
            Scheme::Http => WScheme::Http,
            Scheme::Https => WScheme::Https,
        };
        let refused = |what: &str| Error::Transport(format!("the host refused the request {what}"));
        if let Some(method) = method {
            request.set_method(&method).map_err(|()| refused("method"))?;
        }
        request.set_scheme(Some(&scheme)).map_err(|()| refused("scheme"))?;
        request.set_authority(Some(&req.target.authority)).map_err(|()| refused("authority"))?;
        request.set_path_with_query(Some(&req.target.path_and_query)).map_err(|()| refused("path"))?;

        let options = RequestOptions::new();
        // A host that does not support an option still gets our own deadline.
        let _ = options.set_connect_timeout(Some(timeout_ns));
        let _ = options.set_first_byte_timeout(Some(timeout_ns));
        let _ = options.set_between_bytes_timeout(Some(timeout_ns));

        let outgoing_body = request.body().map_err(|()| refused("body"))?;
        let future = outgoing_handler::handle(request, Some(options)).map_err(|c| describe_error_code(&c))?;
        let upload =
            write_body(outgoing_body, req.body.as_ref().map(|b| b.bytes.as_slice()).unwrap_or(&[]), &mut deadline)?;
        // A request whose body did not go out in full cannot have been acted
        // on (its `Content-Length` was not met): whatever follows is not an
        // unknown outcome. A server may still have answered (401, 413, 429
        // before reading the body), and that answer is the result.
        let acts = req.acts && matches!(upload, Upload::Sent);
        let response = match wait_response(&future, &mut deadline, acts) {
            Ok(response) => response,
            Err(e) => {
                return Err(match upload {
                    Upload::Sent => e,
                    Upload::ClosedEarly(Some(cause)) => cause,
                    Upload::ClosedEarly(None) => match e {
                        Error::Transport(text) => Error::Transport(format!("the request was not sent in full: {text}")),
                        other => other,
                    },
                })
            }
        };
        let status = response.status();
        let headers =
            response.headers().entries().into_iter().map(|(n, v)| (n.to_ascii_lowercase(), v)).collect::<Vec<_>>();
        let head = Response { status, headers, body: Vec::new() };
        if (300..400).contains(&status) {
            return Err(super::redirect(status, head.header("location"), &req.target.authority));
        }
        // 204 and 304 have no body whatever their Content-Length says.
        let expected = head
            .header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|_| !matches!(status, 204 | 304));
        if expected.is_some_and(|len| len > req.max_body) {
            return Err(Error::TooLarge(req.max_body));
        }
        let body = read_body(&response, &mut deadline, req.max_body, expected, acts)?;
        if expected.is_some_and(|len| len != body.len() as u64) {
            return Err(super::lost(acts, Lost::Incomplete));
        }
        Ok(Response { body, ..head })
    }

    /// The name of a header error (what its `Debug` says, without the
    /// formatting machinery `Debug` brings).
    fn header_error(e: &HeaderError) -> &'static str {
        match e {
            HeaderError::InvalidSyntax => "HeaderError::InvalidSyntax",
            HeaderError::Forbidden => "HeaderError::Forbidden",
            HeaderError::Immutable => "HeaderError::Immutable",
        }
    }

    /// How far the request body got.
    enum Upload {
        /// Every byte was handed to the host and the body finished (or the
        /// host closed the stream after the last byte, which means the same:
        /// a `Content-Length` body was delivered and its stream is done).
        Sent,
        /// The stream closed or failed before the last byte: the request
        /// was not sent in full. Carries the host's own refusal, if any.
        ClosedEarly(Option<Error>),
    }

    /// Writes the request body within the deadline: as much as the stream
    /// takes (`check-write`), waiting on the stream or the deadline when it
    /// takes nothing, then a flush waited for the same way (as the Spin
    /// SDK's executor does; `blocking-write-and-flush` would ignore the
    /// deadline). An empty body opens no stream. Only the deadline (nothing
    /// handed over in full: `timeout`) and a stream the host refuses to open
    /// are errors; a stream that closes is an [`Upload`] outcome, and the
    /// response decides.
    fn write_body(body: OutgoingBody, mut bytes: &[u8], deadline: &mut Deadline) -> Result<Upload> {
        if !bytes.is_empty() {
            let stream =
                body.write().map_err(|()| Error::Transport("sending the request body failed (no stream)".into()))?;
            let ready = stream.subscribe();
            let mut flushed = false;
            loop {
                let room = match stream.check_write() {
                    Ok(room) => room,
                    // After the last byte a closed stream is a delivered body
                    // (wasmtime closes it once hyper has taken the whole
                    // `Content-Length`); this is the false failure of before.
                    Err(StreamError::Closed) if bytes.is_empty() => break,
                    Err(e) => return Ok(Upload::ClosedEarly(write_error(e))),
                };
                if room == 0 {
                    if deadline.passed() {
                        // Every byte queued: the host may still deliver
                        // them, so the request counts as handed over (for
                        // one that acts, a lost answer is then
                        // `outcome-unknown`, never `timeout`).
                        if bytes.is_empty() {
                            return Ok(Upload::Sent);
                        }
                        return Err(Error::Timeout);
                    }
                    deadline.wait(&ready);
                    continue;
                }
                if bytes.is_empty() {
                    // Room again after the flush: everything was sent.
                    if flushed {
                        break;
                    }
                    match stream.flush() {
                        Ok(()) => flushed = true,
                        Err(StreamError::Closed) => break,
                        Err(e) => return Ok(Upload::ClosedEarly(write_error(e))),
                    }
                    continue;
                }
                let n = bytes.len().min(usize::try_from(room).unwrap_or(usize::MAX));
                if let Err(e) = stream.write(&bytes[..n]) {
                    return Ok(Upload::ClosedEarly(write_error(e)));
                }
                bytes = &bytes[n..];
            }
            // `ready` and then `stream` (its parent) are dropped here,
            // before the body is finished.
        }
        Ok(match OutgoingBody::finish(body, None) {
            Ok(()) => Upload::Sent,
            Err(code) => Upload::ClosedEarly(Some(describe_error_code(&code))),
        })
    }

    /// The host's reason for a failed write, when it gave one with a code.
    fn write_error(e: StreamError) -> Option<Error> {
        match e {
            StreamError::LastOperationFailed(err) => {
                wasi::http::types::http_error_code(&err).map(|c| describe_error_code(&c))
            }
            StreamError::Closed => None,
        }
    }

    /// Waits for the response head. The host answers `handle` with a
    /// future that is never ready at once (the request is only then sent),
    /// so this waits before the first `get`.
    fn wait_response(future: &FutureIncomingResponse, deadline: &mut Deadline, acts: bool) -> Result<IncomingResponse> {
        let ready = future.subscribe();
        loop {
            deadline.wait(&ready);
            if let Some(outcome) = future.get() {
                return match outcome {
                    Ok(Ok(response)) => Ok(response),
                    Ok(Err(code)) => Err(lost(acts, Lost::Host(&code))),
                    Err(()) => Err(Error::Transport("response already taken".into())),
                };
            }
            if deadline.passed() {
                return Err(lost(acts, Lost::Deadline));
            }
        }
    }

    /// Reads the whole body. The body usually arrives with the head, so the
    /// stream's pollable is made only when a read comes back empty.
    ///
    /// The buffer is sized once from the `Content-Length` (`expected`, at
    /// most `cap`): grown by doubling, a 16 MiB body held 24 MiB while the
    /// last copy was made. Growth that the instance's memory cannot hold is
    /// `too-large` with the bytes that fit (an allocation failure would trap).
    fn read_body(
        response: &IncomingResponse,
        deadline: &mut Deadline,
        cap: u64,
        expected: Option<u64>,
        acts: bool,
    ) -> Result<Vec<u8>> {
        let incoming = response.consume().map_err(|()| Error::Transport("response body already taken".into()))?;
        let mut out = Vec::new();
        let out_of_memory = |held: usize| Error::TooLarge(held as u64);
        if let Some(len) = expected.and_then(|n| usize::try_from(n).ok()) {
            out.try_reserve_exact(len).map_err(|_| out_of_memory(0))?;
        }
        {
            let stream = incoming.stream().map_err(|()| Error::Transport("response body stream unavailable".into()))?;
            let mut readable = None;
            loop {
                match stream.read(READ_CHUNK) {
                    Ok(chunk) if chunk.is_empty() => {
                        if deadline.passed() {
                            return Err(lost(acts, Lost::Deadline));
                        }
                        deadline.wait(readable.get_or_insert_with(|| stream.subscribe()));
                    }
                    Ok(chunk) => {
                        if out.len() as u64 + chunk.len() as u64 > cap {
                            return Err(Error::TooLarge(cap));
                        }
                        out.try_reserve(chunk.len()).map_err(|_| out_of_memory(out.len()))?;
                        out.extend_from_slice(&chunk);
                    }
                    Err(StreamError::Closed) => break,
                    Err(StreamError::LastOperationFailed(err)) => {
                        // Hosts do not always attach an error code to a body
                        // failure (wasmtime 48 does not); one that comes after
                        // the deadline is the host's own timeout.
                        // A body that breaks off otherwise is incomplete.
                        return Err(match wasi::http::types::http_error_code(&err) {
                            Some(code) => lost(acts, Lost::Host(&code)),
                            None if deadline.passed() => lost(acts, Lost::Deadline),
                            None => lost(acts, Lost::Incomplete),
                        });
                    }
                }
            }
        }
        // Dropped rather than finished: no trailers are read, and `finish`
        // would add a host call for the future of them.
        drop(incoming);
        Ok(out)
    }
}

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
