//! The mock provider: answers the component's requests without a network
//! and records every request exactly as it left the component.
//!
//! [`MockProvider::builtin`] answers every provider with its documented
//! example answers (the demo and the CLI's default); tests build their own
//! with [`MockProvider::new`], [`MockProvider::always`] or
//! [`MockProvider::replying`].
//!
//! Plain HTTP types only ([`MockProvider::serve`] takes an `http::Request`
//! and the request's timeouts): the wasmtime host plugs the mock in through
//! its outgoing-request hook (pbx-host's `Transport::Hook`), and
//! [`standin::mock`] serves it over a loopback socket. This crate does not
//! depend on the host, so the host's binary can use it for its demo.

#![deny(missing_docs)]

// One copy of the providers' documented example answers, shared with the
// component's unit tests (the format is told in the module).
mod body;
mod examples;
mod exchange;
pub mod ringme;
pub mod ringostat;
pub mod standin;
pub mod telephony;
#[cfg(test)]
mod tests;
pub mod tring;
#[cfg(feature = "wasi-http")]
pub mod wasi;

use bytes::Bytes;
use http_body_util::BodyExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

pub use body::{MockBody, ReadTimeout};
pub use examples::example;
pub use exchange::{decode_pairs, MockResponse, RecordedRequest};

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
    /// and answers. `timeouts` are the ones the component set (connect,
    /// first byte, between bytes), as [`RecordedRequest::timeouts`] keeps
    /// them; the mock enforces the last two itself, as only a real sender
    /// would otherwise.
    pub async fn serve<B>(
        &self,
        request: http::Request<B>,
        timeouts: [Option<Duration>; 3],
    ) -> Result<http::Response<MockBody>, MockError<B::Error>>
    where
        B: http_body::Body<Data = Bytes>,
    {
        let (parts, body) = request.into_parts();
        if self.stall_uploads {
            std::future::pending::<()>().await;
        }
        let body = body.collect().await.map_err(MockError::Body)?.to_bytes().to_vec();
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
            timeouts,
        };
        let answer = (self.responder)(&recorded);
        let first_byte = recorded.timeouts[1];
        let recorded_between_bytes = recorded.timeouts[2];
        self.served.fetch_add(1, Ordering::Relaxed);
        if self.recording.load(Ordering::Relaxed) {
            self.log.lock().expect("mock log").push(recorded);
        }
        if let Some(text) = answer.failure {
            return Err(MockError::Failure(text));
        }
        if !answer.delay.is_zero() {
            match first_byte {
                Some(limit) if limit < answer.delay => {
                    tokio::time::sleep(limit).await;
                    return Err(MockError::ReadTimeout);
                }
                _ => tokio::time::sleep(answer.delay).await,
            }
        }
        let mut builder = http::Response::builder().status(answer.status);
        for (n, v) in &answer.headers {
            builder = builder.header(n, v);
        }
        let body = if answer.pause.is_zero() {
            MockBody::whole(Bytes::from(answer.body))
        } else {
            MockBody::trickled(Bytes::from(answer.body), answer.pause, recorded_between_bytes)
        };
        builder.body(body).map_err(|_| MockError::Failure("bad mock answer".into()))
    }
}

/// Why [`MockProvider::serve`] gave no answer; a host reports each as a
/// failed exchange (pbx-host's hook: `internal-error(text)`,
/// `connection-read-timeout`, or the body's own error).
#[derive(Debug)]
pub enum MockError<E> {
    /// Reading the request body failed.
    Body(E),
    /// The answer says to fail the exchange with this text
    /// ([`MockResponse::failing`]), or the answer could not be built.
    Failure(String),
    /// The answer's delay passed the request's first-byte timeout.
    ReadTimeout,
}

impl<E: std::fmt::Display> std::fmt::Display for MockError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MockError::Body(e) => write!(f, "reading the request body: {e}"),
            MockError::Failure(text) => write!(f, "the mock failed the exchange: {text}"),
            MockError::ReadTimeout => f.write_str("no answer within the first-byte timeout"),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for MockError<E> {}
