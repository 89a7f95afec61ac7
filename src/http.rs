//! The one WASI HTTP client. Every provider builds a [`Request`] (pure data,
//! unit-testable natively) and hands it to [`send`], which talks to
//! `wasi:http/outgoing-handler`, enforces the deadline and the body cap, and
//! maps transport failures to the shared `error` variant. Status codes are
//! left to the provider's decoder, which knows how its errors look.

use crate::prelude::*;

use crate::error::Result;
use crate::url::Target;
use crate::Error;

/// Default cap on a response body: 16 MiB.
pub const DEFAULT_MAX_BODY: u64 = 16 * 1024 * 1024;

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
            .finish()
    }
}

impl Request {
    /// A request with no headers or body yet.
    pub fn new(method: Method, target: Target, timeout_ms: u32) -> Request {
        Request {
            method,
            target,
            headers: Vec::new(),
            body: None,
            timeout_ms,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Adds a header (the value must already be validated).
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, content_type: &str, bytes: Vec<u8>) -> Request {
        self.body = Some(Body {
            content_type: content_type.to_string(),
            bytes,
        });
        self
    }

    /// Every header that goes on the wire, including the body's.
    pub fn wire_headers(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> =
            self.headers.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
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
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| core::str::from_utf8(v).ok())
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

/// Native builds (unit tests) have no WASI HTTP; nothing is sent.
#[cfg(not(target_arch = "wasm32"))]
pub fn send(_req: &Request) -> Result<Response> {
    Err(Error::Transport("no wasi:http outside a component".into()))
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
        C::HttpResponseIncomplete => "response incomplete",
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
        C::InternalError(Some(msg)) => return Error::Transport(format!("host error: {}", crate::error::clip(msg))),
        C::InternalError(None) => "host internal error",
    };
    Error::Transport(text.to_string())
}

#[cfg(target_arch = "wasm32")]
mod wasi_client {
    use crate::prelude::*;
    use super::{describe_error_code, Method, Request, Response};
    use crate::url::Scheme;
    use crate::error::Result;
    use crate::Error;
    use wasi::clocks::monotonic_clock;
    use wasi::http::outgoing_handler;
    use wasi::http::types::{
        Fields, FutureIncomingResponse, HeaderError, IncomingBody, IncomingResponse, Method as WMethod, OutgoingBody,
        OutgoingRequest, RequestOptions, Scheme as WScheme,
    };
    use wasi::io::poll::{poll, Pollable};
    use wasi::io::streams::StreamError;

    /// Largest single write to the outgoing body stream.
    const WRITE_CHUNK: usize = 4096;
    /// Largest single read from the incoming body stream.
    const READ_CHUNK: u64 = 64 * 1024;

    pub fn send(req: &Request) -> Result<Response> {
        let timeout_ns = u64::from(req.timeout_ms) * 1_000_000;
        let deadline = monotonic_clock::now().saturating_add(timeout_ns);
        let timer = monotonic_clock::subscribe_instant(deadline);

        let headers = Fields::new();
        for (name, value) in req.wire_headers() {
            headers
                .append(&name, value.as_bytes())
                .map_err(|e| Error::Transport(format!("header {name} refused by the host: {}", header_error(&e))))?;
        }
        let request = OutgoingRequest::new(headers);
        let method = match req.method {
            Method::Get => WMethod::Get,
            Method::Post => WMethod::Post,
            Method::Put => WMethod::Put,
            Method::Delete => WMethod::Delete,
        };
        let scheme = match req.target.scheme {
            Scheme::Http => WScheme::Http,
            Scheme::Https => WScheme::Https,
        };
        let refused = |what: &str| Error::Transport(format!("the host refused the request {what}"));
        request.set_method(&method).map_err(|()| refused("method"))?;
        request.set_scheme(Some(&scheme)).map_err(|()| refused("scheme"))?;
        request
            .set_authority(Some(&req.target.authority))
            .map_err(|()| refused("authority"))?;
        request
            .set_path_with_query(Some(&req.target.path_and_query))
            .map_err(|()| refused("path"))?;

        let options = RequestOptions::new();
        // A host that does not support an option still gets our own deadline.
        let _ = options.set_connect_timeout(Some(timeout_ns));
        let _ = options.set_first_byte_timeout(Some(timeout_ns));
        let _ = options.set_between_bytes_timeout(Some(timeout_ns));

        let outgoing_body = request.body().map_err(|()| refused("body"))?;
        let future = outgoing_handler::handle(request, Some(options)).map_err(|c| describe_error_code(&c))?;
        write_body(outgoing_body, req.body.as_ref().map(|b| b.bytes.as_slice()).unwrap_or(&[]))?;

        let response = wait_response(&future, &timer)?;
        let status = response.status();
        let headers = response
            .headers()
            .entries()
            .into_iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v))
            .collect::<Vec<_>>();
        if let Some(len) = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| core::str::from_utf8(v).ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            if len > req.max_body {
                return Err(Error::TooLarge(req.max_body));
            }
        }
        let body = read_body(&response, &timer, req.max_body)?;
        Ok(Response { status, headers, body })
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

    fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<()> {
        let failed = |what: &str| Error::Transport(format!("sending the request body failed ({what})"));
        {
            let stream = body.write().map_err(|()| failed("no stream"))?;
            for chunk in bytes.chunks(WRITE_CHUNK) {
                stream.blocking_write_and_flush(chunk).map_err(|e| match e {
                    StreamError::LastOperationFailed(err) => wasi::http::types::http_error_code(&err)
                        .map(|c| describe_error_code(&c))
                        .unwrap_or_else(|| failed("write")),
                    StreamError::Closed => failed("closed"),
                })?;
            }
        }
        OutgoingBody::finish(body, None).map_err(|c| describe_error_code(&c))
    }

    fn wait_response(future: &FutureIncomingResponse, timer: &Pollable) -> Result<IncomingResponse> {
        let ready = future.subscribe();
        loop {
            if let Some(outcome) = future.get() {
                return match outcome {
                    Ok(Ok(response)) => Ok(response),
                    Ok(Err(code)) => Err(describe_error_code(&code)),
                    Err(()) => Err(Error::Transport("response already taken".into())),
                };
            }
            if timer.ready() {
                return Err(Error::Timeout);
            }
            poll(&[&ready, timer]);
        }
    }

    fn read_body(response: &IncomingResponse, timer: &Pollable, cap: u64) -> Result<Vec<u8>> {
        let incoming = response
            .consume()
            .map_err(|()| Error::Transport("response body already taken".into()))?;
        let mut out = Vec::new();
        {
            let stream = incoming
                .stream()
                .map_err(|()| Error::Transport("response body stream unavailable".into()))?;
            let readable = stream.subscribe();
            loop {
                match stream.read(READ_CHUNK) {
                    Ok(chunk) if chunk.is_empty() => {
                        if timer.ready() {
                            return Err(Error::Timeout);
                        }
                        poll(&[&readable, timer]);
                    }
                    Ok(chunk) => {
                        if out.len() as u64 + chunk.len() as u64 > cap {
                            return Err(Error::TooLarge(cap));
                        }
                        out.extend_from_slice(&chunk);
                    }
                    Err(StreamError::Closed) => break,
                    Err(StreamError::LastOperationFailed(err)) => {
                        // Hosts do not always attach an error code to a body
                        // failure (wasmtime 48 does not); one that comes after
                        // the deadline is the host's own timeout.
                        return Err(match wasi::http::types::http_error_code(&err) {
                            Some(code) => describe_error_code(&code),
                            None if timer.ready() => Error::Timeout,
                            None => Error::Transport("reading the response body failed".into()),
                        });
                    }
                }
            }
        }
        let _trailers = IncomingBody::finish(incoming);
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
    fn body_headers_carry_a_content_length() {
        let base = BaseUrl::parse("b", "https://h", false).unwrap();
        let req = Request::new(Method::Post, base.target("/p", &[]), 1000).body("application/json", b"{}".to_vec());
        assert_eq!(
            req.wire_headers(),
            vec![("Content-Type".to_string(), "application/json".to_string()), ("Content-Length".to_string(), "2".to_string())]
        );
    }
}
