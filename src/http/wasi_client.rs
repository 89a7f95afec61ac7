//! [`send`] over `wasi:http/outgoing-handler`: the body written under the
//! deadline, the answer read within the cap.

use super::message::{Method, Request, Response};
use super::outcome::{describe_error_code, lost, Lost};
use crate::error::Result;
use crate::prelude::*;
use crate::url::Scheme;
use crate::Error;
use wasi::clocks::monotonic_clock;
use wasi::http::outgoing_handler;
use wasi::http::types::{
    Fields, FutureIncomingResponse, HeaderError, IncomingResponse, Method as WMethod, OutgoingBody, OutgoingRequest,
    RequestOptions, Scheme as WScheme,
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

    // A request without a body (every GET) takes no `outgoing-body`: the
    // host sends an empty one, and two host calls (`body`, `finish`) are
    // saved: 1.7 us of the gateway's 38.3 per request, in process.
    let bytes = req.body.as_ref().map(|b| b.bytes.as_slice()).unwrap_or(&[]);
    let outgoing_body = if bytes.is_empty() { None } else { Some(request.body().map_err(|()| refused("body"))?) };
    let future = outgoing_handler::handle(request, Some(options)).map_err(|c| describe_error_code(&c))?;
    let upload = match outgoing_body {
        Some(b) => write_body(b, bytes, &mut deadline)?,
        None => Upload::Sent,
    };
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
    // Only the headers something reads ([`read_headers`]), each by `get`.
    let wanted = super::message::read_headers(status);
    let fields = response.headers();
    let headers = wanted
        .iter()
        .filter_map(|name| fields.get(name).into_iter().next().map(|value| (String::from(*name), value)))
        .collect::<Vec<_>>();
    drop(fields);
    let head = Response { status, headers, body: Vec::new() };
    if (300..400).contains(&status) {
        return Err(super::message::redirect(status, head.header("location"), &req.target.authority));
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
        return Err(lost(acts, Lost::Incomplete));
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
                    // Read to `closed` even once the declared length is in:
                    // a body framed otherwise (chunked, with a stale
                    // `Content-Length`) may go on, and the length check
                    // below must see all of it.
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
