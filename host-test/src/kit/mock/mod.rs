//! The mock provider: answers the component's requests without a network
//! and records every request exactly as it left the component.
//!
//! [`MockProvider::builtin`] answers every provider with its documented
//! example answers (the demo and the CLI's default); tests build their own
//! with [`MockProvider::new`], [`MockProvider::always`] or
//! [`MockProvider::replying`].

// One copy of the providers' documented example answers, shared with the
// component's unit tests (the format is told in the file).
#[path = "../../../fixtures/examples.rs"]
mod examples;
pub mod ringme;
pub mod ringostat;
pub mod telephony;
pub mod tring;

use crate::transport::full_body;
use bytes::Bytes;
use http_body_util::BodyExt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

pub use examples::example;

/// One request as the component sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The whole URL (`https://host/path?query`).
    pub url: String,
    /// The path and the raw (still encoded) query.
    pub path_and_query: String,
    /// Headers in order, names lower-cased (`host` included, as wasi-http adds it).
    pub headers: Vec<(String, String)>,
    /// The exact body bytes.
    pub body: Vec<u8>,
    /// The request options the component set (connect, first byte, between bytes).
    pub timeouts: [Option<Duration>; 3],
}

impl RecordedRequest {
    /// A header's value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The path alone.
    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap_or("")
    }

    /// The raw query string (empty when none).
    pub fn raw_query(&self) -> &str {
        self.path_and_query.split_once('?').map_or("", |(_, q)| q)
    }

    /// The decoded query pairs, in order.
    pub fn query(&self) -> Vec<(String, String)> {
        decode_pairs(self.raw_query())
    }

    /// One decoded query value.
    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Decodes `a=1&b=x%20y` (and `+` as space, as forms do), in order.
pub fn decode_pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes()).into_owned().collect()
}

/// What the mock answers.
#[derive(Clone, Debug)]
pub struct MockResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Wait this long before answering (checked against the first-byte timeout).
    pub delay: Duration,
    /// Send the body in two halves with this pause between them (checked
    /// against the between-bytes timeout); zero sends it in one frame.
    pub pause: Duration,
    /// Fail the exchange instead, as a host would: `internal-error` with
    /// this text (which may quote the request, as some hosts' errors do).
    pub failure: Option<String>,
}

impl MockResponse {
    /// Any status, content type and body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> MockResponse {
        MockResponse {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            pause: Duration::ZERO,
            failure: None,
        }
    }

    /// The host fails the exchange with `internal-error(text)`.
    pub fn failing(text: &str) -> MockResponse {
        MockResponse { failure: Some(text.into()), ..MockResponse::new(500, "text/plain", "") }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: &str) -> MockResponse {
        MockResponse::new(status, "application/json", body)
    }

    /// An HTML answer (a proxy's error page, a login page...).
    pub fn html(status: u16, body: &str) -> MockResponse {
        MockResponse::new(status, "text/html; charset=UTF-8", body)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> MockResponse {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers only after `delay`.
    pub fn delayed(mut self, delay: Duration) -> MockResponse {
        self.delay = delay;
        self
    }

    /// Sends the first half of the body at once and the rest after `pause`.
    pub fn trickled(mut self, pause: Duration) -> MockResponse {
        self.pause = pause;
        self
    }
}

/// A body in two frames with a pause between them. A pause longer than the
/// request's between-bytes timeout ends the body with a timeout error after
/// that timeout, as a real sender would.
struct TrickleBody {
    first: Option<Bytes>,
    rest: Option<Bytes>,
    pause: Pin<Box<tokio::time::Sleep>>,
    times_out: bool,
}

impl http_body::Body for TrickleBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Bytes>, Error>>> {
        let this = self.get_mut();
        if let Some(first) = this.first.take() {
            return Poll::Ready(Some(Ok(http_body::Frame::data(first))));
        }
        if this.rest.is_none() {
            return Poll::Ready(None);
        }
        if this.pause.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let rest = this.rest.take();
        if this.times_out {
            return Poll::Ready(Some(Err(Error::ConnectionReadTimeout)));
        }
        Poll::Ready(rest.map(|b| Ok(http_body::Frame::data(b))))
    }
}

type Responder = dyn Fn(&RecordedRequest) -> MockResponse + Send + Sync;

/// A provider stand-in: a responder and the log of what it received.
pub struct MockProvider {
    responder: Box<Responder>,
    log: Mutex<Vec<RecordedRequest>>,
    /// Never read a request body nor answer (a stalled upload).
    stall_uploads: bool,
    /// Cleared by [`MockProvider::unrecorded`].
    recording: AtomicBool,
    served: AtomicU64,
}

impl MockProvider {
    /// Answers each request with `f(request)`.
    pub fn new(f: impl Fn(&RecordedRequest) -> MockResponse + Send + Sync + 'static) -> Arc<MockProvider> {
        Arc::new(MockProvider {
            responder: Box::new(f),
            log: Mutex::new(Vec::new()),
            stall_uploads: false,
            recording: AtomicBool::new(true),
            served: AtomicU64::new(0),
        })
    }

    /// A provider that never reads a request body and never answers: the
    /// host's body buffer (2 MiB in wasmtime 48) fills and the upload stalls.
    pub fn stalling_uploads() -> Arc<MockProvider> {
        Arc::new(MockProvider {
            responder: Box::new(|_| MockResponse::json(200, "{}")),
            log: Mutex::new(Vec::new()),
            stall_uploads: true,
            recording: AtomicBool::new(true),
            served: AtomicU64::new(0),
        })
    }

    /// Stops recording requests (only [`MockProvider::served`] counts them):
    /// for load runs and `pbx-host serve`, whose memory must not grow with
    /// the number of requests. `MockProvider::builtin().unrecorded()`.
    pub fn unrecorded(self: Arc<Self>) -> Arc<Self> {
        self.recording.store(false, Ordering::Relaxed);
        self
    }

    /// Requests answered so far, recorded or not.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    /// Answers every request the same way.
    pub fn always(response: MockResponse) -> Arc<MockProvider> {
        MockProvider::new(move |_| response.clone())
    }

    /// Answers requests with `responses` in order; the last one repeats.
    pub fn replying(responses: Vec<MockResponse>) -> Arc<MockProvider> {
        let queue = Mutex::new(responses.into_iter().collect::<std::collections::VecDeque<_>>());
        MockProvider::new(move |_| {
            let mut q = queue.lock().expect("mock queue");
            if q.len() > 1 {
                q.pop_front().expect("non-empty")
            } else {
                q.front().cloned().unwrap_or_else(|| MockResponse::new(500, "text/plain", "no canned answer"))
            }
        })
    }

    /// Every provider's documented example answers, chosen by path.
    pub fn builtin() -> Arc<MockProvider> {
        MockProvider::new(|req| {
            let path = req.path();
            let answer = if path.ends_with("/pbx/proxyapi.php") {
                tring::answer(req)
            } else if path.contains("/api/ver1.0/") || path.ends_with("/oauth/token") {
                ringme::answer(req)
            } else {
                ringostat::answer(req)
            };
            answer.unwrap_or_else(|| MockResponse::json(404, r#"{"message":"Not found"}"#))
        })
    }

    /// Everything received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.lock().expect("mock log").clone()
    }

    /// The only request received; panics (a test failure) otherwise.
    pub fn single(&self) -> RecordedRequest {
        let log = self.requests();
        assert_eq!(log.len(), 1, "expected exactly one request, got {log:#?}");
        log.into_iter().next().expect("one request")
    }

    /// Serves one request: records it, waits the answer's delay (failing
    /// with a timeout when the request's first-byte timeout is shorter),
    /// and answers.
    pub async fn serve(
        &self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
    ) -> Result<http::Response<WasiBody>, Error> {
        let (parts, body) = request.into_parts();
        if self.stall_uploads {
            std::future::pending::<()>().await;
        }
        let body = body.collect().await?.to_bytes().to_vec();
        let recorded = RecordedRequest {
            method: parts.method.to_string(),
            url: parts.uri.to_string(),
            path_and_query: parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_default(),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            body,
            timeouts: [
                options.and_then(|o| o.connect_timeout),
                options.and_then(|o| o.first_byte_timeout),
                options.and_then(|o| o.between_bytes_timeout),
            ],
        };
        let answer = (self.responder)(&recorded);
        let first_byte = recorded.timeouts[1];
        let recorded_between_bytes = recorded.timeouts[2];
        self.served.fetch_add(1, Ordering::Relaxed);
        if self.recording.load(Ordering::Relaxed) {
            self.log.lock().expect("mock log").push(recorded);
        }
        if let Some(text) = answer.failure {
            return Err(Error::InternalError(Some(text)));
        }
        if !answer.delay.is_zero() {
            match first_byte {
                Some(limit) if limit < answer.delay => {
                    tokio::time::sleep(limit).await;
                    return Err(Error::ConnectionReadTimeout);
                }
                _ => tokio::time::sleep(answer.delay).await,
            }
        }
        let mut builder = http::Response::builder().status(answer.status);
        for (n, v) in &answer.headers {
            builder = builder.header(n, v);
        }
        let body = if answer.pause.is_zero() {
            full_body(answer.body)
        } else {
            let limit = recorded_between_bytes.unwrap_or(answer.pause);
            let mut first = Bytes::from(answer.body);
            let rest = first.split_off(first.len() / 2);
            TrickleBody {
                first: Some(first),
                rest: Some(rest),
                pause: Box::pin(tokio::time::sleep(answer.pause.min(limit))),
                times_out: limit < answer.pause,
            }
            .boxed_unsync()
        };
        builder.body(body).map_err(|_| Error::InternalError(Some("bad mock answer".into())))
    }
}
