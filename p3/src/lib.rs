//! Ringostat `sip-online` over WASI 0.3 (p3): the same request as the p2
//! component's (`GET {base}/sipstatus/online` with `Auth-key`), sent with
//! `wasi:http/client.send` (an `async func`: no pollables, no
//! `future-incoming-response`, no `outgoing-body`), the body read from a
//! `stream<u8>`, and the whole exchange raced against
//! `wasi:clocks/monotonic-clock.wait-for` for the deadline.
//!
//! `no_std` in the wasm build, as the p2 component: its only imports are
//! `wasi:http` and `wasi:clocks` 0.3.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

// The p2 component's runtime, the same crate: allocator (Talc on the static
// arena), panic handler, `cabi_realloc` (linked only when named).
#[cfg(target_arch = "wasm32")]
use pbx_runtime as _;

wit_bindgen::generate!({
    path: "wit",
    world: "pbx-p3",
    generate_all,
});

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::future::Future;
use core::pin::pin;
use core::task::Poll;
use exports::telephony::pbx_p3::ringostat::{Config, Guest};
use wasi::clocks::monotonic_clock;
use wasi::http::client;
use wasi::http::types::{ErrorCode, Fields, Method, Request, RequestOptions, Response, Scheme, Trailers};

/// Where Ringostat lives unless `base-url` says otherwise.
const DEFAULT_BASE_URL: &str = "https://api.ringostat.net";
/// The default deadline.
const DEFAULT_TIMEOUT_MS: u32 = 30_000;
/// Largest accepted body (the p2 component's default cap).
const MAX_BODY: usize = 16 * 1024 * 1024;
/// The body buffer without a `Content-Length`, and its smallest growth.
const FIRST_READ: usize = 1024;
/// The body buffer's largest growth.
const READ_CHUNK: usize = 64 * 1024;

struct Component;

export!(Component);

impl Guest for Component {
    async fn sip_online(cfg: Config) -> Result<Vec<String>, String> {
        let key = cfg.auth_key;
        if key.is_empty() || key.bytes().any(|b| b.is_ascii_control()) {
            return Err("invalid-input: cfg.auth-key must be non-empty, without control characters".into());
        }
        let (scheme, authority, prefix) = parse_base(cfg.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let timeout_ms = cfg.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 {
            return Err("invalid-input: cfg.timeout-ms must be at least 1".into());
        }
        let timeout_ns = u64::from(timeout_ms) * 1_000_000;
        let path = format!("{prefix}/sipstatus/online");
        let exchange = fetch(scheme, authority, &path, &key, timeout_ns);
        let body = match race(exchange, monotonic_clock::wait_for(timeout_ns)).await {
            Some(r) => r,
            None => Err("timeout".into()),
        };
        body.and_then(|b| decode_logins(&b)).map_err(|e| e.replace(&key, "***"))
    }
}

/// `scheme`, authority and path prefix (no trailing `/`) of a base URL.
fn parse_base(url: &str) -> Result<(Scheme, &str, &str), String> {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("http://") {
        (Scheme::Http, rest)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (Scheme::Https, rest)
    } else {
        return Err("invalid-input: cfg.base-url must start with http:// or https://".into());
    };
    let (authority, prefix) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let bad = |b: u8| b.is_ascii_control() || b" @?#\\".contains(&b);
    if authority.is_empty() || authority.bytes().any(bad) || prefix.bytes().any(bad) {
        return Err("invalid-input: cfg.base-url is not a valid base URL".into());
    }
    Ok((scheme, authority, prefix.trim_end_matches('/')))
}

/// Sends the request and reads the whole body (status 200), or says why not.
async fn fetch(scheme: Scheme, authority: &str, path: &str, key: &str, timeout_ns: u64) -> Result<Vec<u8>, String> {
    let headers = Fields::from_list(&[("Auth-key".to_string(), key.as_bytes().to_vec())])
        .map_err(|_| "transport: the host refused the Auth-key header".to_string())?;
    let options = RequestOptions::new();
    // A host without an option still has our own deadline.
    let _ = options.set_connect_timeout(Some(timeout_ns));
    let _ = options.set_first_byte_timeout(Some(timeout_ns));
    let _ = options.set_between_bytes_timeout(Some(timeout_ns));
    // No body, no trailers: the trailers future resolves to `Ok(None)`
    // when its writer is dropped.
    let (trailers_tx, trailers_rx) = wit_future::new::<Result<Option<Trailers>, ErrorCode>>(|| Ok(None));
    drop(trailers_tx);
    let (request, _sent) = Request::new(headers, None, trailers_rx, Some(options));
    let refused = |what: &str| format!("transport: the host refused the request {what}");
    request.set_method(&Method::Get).map_err(|()| refused("method"))?;
    request.set_scheme(Some(&scheme)).map_err(|()| refused("scheme"))?;
    request.set_authority(Some(authority)).map_err(|()| refused("authority"))?;
    request.set_path_with_query(Some(path)).map_err(|()| refused("path"))?;

    let response = client::send(request).await.map_err(|c| describe(&c))?;
    let status = response.get_status_code();
    // The body goes straight into `out`'s spare capacity, sized from
    // `Content-Length` when there is one (a fresh instance then grows its
    // memory by what the answer needs, not by a fixed read buffer).
    let length = response.get_headers().get("content-length");
    let length = length.first().and_then(|v| core::str::from_utf8(v).ok()?.trim().parse::<usize>().ok());
    if length.is_some_and(|len| len > MAX_BODY) {
        return Err(format!("too-large: the answer exceeds {MAX_BODY} bytes"));
    }
    let (done_tx, done_rx) = wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
    let (mut body, _trailers) = Response::consume_body(response, done_rx);
    // One more byte than announced, so the end of the stream needs no
    // second allocation.
    let mut out = Vec::with_capacity(length.map_or(FIRST_READ, |len| len + 1));
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.len().clamp(FIRST_READ, READ_CHUNK));
        }
        let (result, buf) = body.read(out).await;
        out = buf;
        if out.len() > MAX_BODY {
            return Err(format!("too-large: the answer exceeds {MAX_BODY} bytes"));
        }
        match result {
            wit_bindgen::StreamResult::Complete(_) => {}
            wit_bindgen::StreamResult::Dropped | wit_bindgen::StreamResult::Cancelled => break,
        }
    }
    drop(done_tx);
    if status != 200 {
        let text = String::from_utf8_lossy(&out[..out.len().min(200)]).into_owned();
        return Err(format!("provider: status {status}: {text}"));
    }
    Ok(out)
}

/// A transport failure, by the name of its `error-code` for the common
/// cases (what `Debug` would say, without the formatting machinery it
/// brings: the p2 component does the same).
fn describe(code: &ErrorCode) -> String {
    if matches!(code, ErrorCode::ConnectionReadTimeout | ErrorCode::HttpResponseTimeout) {
        // The host's own deadline (the request options): as the guest's.
        return "timeout".into();
    }
    let what = match code {
        ErrorCode::DnsTimeout => "DNS timeout",
        ErrorCode::DnsError(_) => "DNS error",
        ErrorCode::ConnectionRefused => "connection refused",
        ErrorCode::ConnectionTimeout => "connection timeout",
        ErrorCode::TlsProtocolError | ErrorCode::TlsCertificateError | ErrorCode::TlsAlertReceived(_) => "TLS error",
        ErrorCode::HttpResponseIncomplete => "response incomplete",
        ErrorCode::HttpProtocolError => "HTTP protocol error",
        _ => "other error",
    };
    format!("transport: {what}")
}

/// The answer: a JSON array of SIP logins.
fn decode_logins(body: &[u8]) -> Result<Vec<String>, String> {
    serde_json::from_slice(body).map_err(|_| "decode: not a JSON list of strings".to_string())
}

/// `a`'s output if it finishes first, `None` if `b` does.
async fn race<A: Future, B: Future>(a: A, b: B) -> Option<A::Output> {
    let (mut a, mut b) = (pin!(a), pin!(b));
    core::future::poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if b.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}
