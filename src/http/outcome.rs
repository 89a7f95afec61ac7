//! What a failed exchange means: a `wasi:http` error code as the shared
//! error, whether it proves nothing was sent, and how a request lost after
//! it was handed over is reported ([`lost`]).

use crate::prelude::*;

use crate::Error;

/// What a cut-off answer says: a body shorter than its `Content-Length`, one
/// that broke off, or the host's `HTTP-response-incomplete`.
pub const INCOMPLETE: &str = "response incomplete: the answer ended early";

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
