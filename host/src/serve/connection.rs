//! One connection under its deadlines: a watchdog over what its I/O and
//! its service do ([`Watch`]), ending it when a request head is late
//! (answering `408`), when it stays idle, or when the client stops reading.

use super::failure::failure_json;
use super::gateway::Gateway;
use super::options::Timeouts;
use bytes::Bytes;
use hyper::body::Body;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// What one connection is doing, for its deadlines.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Waiting for (the rest of) a request head since `since`; `started`
    /// once a byte of it arrived.
    Head { since: Instant, started: bool },
    /// A request is being served (its body read, its answer written).
    Busy,
    /// Between requests since the instant given.
    Idle(Instant),
}

/// The phase of one connection, kept by its I/O and its service and read by
/// its watchdog ([`serve_connection`]).
struct Watch {
    state: Mutex<(Phase, Option<Instant>)>,
    /// Wakes the watchdog when a deadline may have moved closer.
    changed: Notify,
}

/// Why a connection's watchdog ends it.
enum Expired {
    /// A request head started and did not complete in time: answered 408.
    Head,
    /// Nothing to answer: no request started, or the client stopped reading.
    Silent,
}

impl Watch {
    fn new() -> Watch {
        Watch {
            state: Mutex::new((Phase::Head { since: Instant::now(), started: false }, None)),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Phase, Option<Instant>)> {
        // Plain data: consistent whatever panicked while it was held.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, phase: Phase) {
        self.lock().0 = phase;
        self.changed.notify_one();
    }

    /// Bytes arrived: a request head starts (its deadline may be closer
    /// than the idle one the watchdog sleeps on).
    fn read(&self) {
        let mut state = self.lock();
        let next = match state.0 {
            Phase::Idle(_) => Phase::Head { since: Instant::now(), started: true },
            Phase::Head { since, started: false } => Phase::Head { since, started: true },
            _ => return,
        };
        state.0 = next;
        drop(state);
        self.changed.notify_one();
    }

    /// A write could not proceed (`blocked`) or did.
    fn write_blocked(&self, blocked: bool) {
        let mut state = self.lock();
        match (blocked, state.1) {
            (true, None) => {
                state.1 = Some(Instant::now());
                drop(state);
                self.changed.notify_one();
            }
            (false, Some(_)) => state.1 = None,
            _ => {}
        }
    }

    /// When the current phase ends the connection, and why.
    fn deadline(&self, t: Timeouts) -> (Instant, Expired) {
        let (phase, blocked) = *self.lock();
        let (at, why) = match phase {
            Phase::Head { since, started: true } => (since + t.header, Expired::Head),
            Phase::Head { since, started: false } => (since + t.header, Expired::Silent),
            Phase::Idle(since) => (since + t.idle, Expired::Silent),
            // The body's own timeout is the service's; a far deadline here.
            Phase::Busy => (Instant::now() + Duration::from_secs(3600), Expired::Silent),
        };
        match blocked {
            // A client that leaves the answer unread holds the instance
            // writing it: bounded like a body that does not arrive.
            Some(b) if b + t.body < at => (b + t.body, Expired::Silent),
            _ => (at, why),
        }
    }
}

/// The connection's stream as hyper sees it, telling the [`Watch`] what
/// passes.
struct Watched<'a> {
    io: &'a mut TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched<'_> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut *this.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.watch.read();
        }
        polled
    }
}

impl AsyncWrite for Watched<'_> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut *this.io).poll_write(cx, buf);
        this.watch.write_blocked(polled.is_pending());
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut *this.io).poll_write_vectored(cx, bufs);
        this.watch.write_blocked(polled.is_pending());
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_shutdown(cx)
    }
}

/// An answer's body that returns its connection to [`Phase::Idle`] once
/// hyper is done with it (written whole, or dropped).
struct Tracked {
    body: HyperOutgoingBody,
    watch: Arc<Watch>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.watch.set(Phase::Idle(Instant::now()));
    }
}

impl Body for Tracked {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// Serves one connection (HTTP/1.1, keep-alive) under its deadlines: a
/// watchdog ends it when a request head is late (answering `408`), when it
/// stays idle, or when the client stops reading an answer.
pub(super) async fn serve_connection(gateway: Arc<Gateway>, mut stream: TcpStream) {
    let timeouts = gateway.timeouts;
    let watch = Arc::new(Watch::new());
    let expired = {
        let io = Watched { io: &mut stream, watch: watch.clone() };
        let service_watch = watch.clone();
        let service = hyper::service::service_fn(move |req| {
            let (gateway, watch) = (gateway.clone(), service_watch.clone());
            watch.set(Phase::Busy);
            async move {
                let response = gateway.handle(req).await.map(|body| Tracked { body, watch });
                Ok::<_, std::convert::Infallible>(response)
            }
        });
        // hyper's own header timeout would close without an answer; the
        // watchdog below answers 408 instead. A head hyper cannot parse is
        // answered by hyper itself before the service runs (431 past 100
        // headers or its buffer, 414, 400), bodiless: not ours to shape.
        let conn = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .serve_connection(hyper_util::rt::TokioIo::new(io), service);
        tokio::pin!(conn);
        loop {
            let (deadline, why) = watch.deadline(timeouts);
            tokio::select! {
                // A client that goes away mid-request is not the server's error.
                _ = &mut conn => break None,
                _ = watch.changed.notified() => continue,
                _ = tokio::time::sleep_until(deadline) => {
                    // The phase may have moved on since the deadline was taken.
                    let (now_deadline, _) = watch.deadline(timeouts);
                    if now_deadline <= Instant::now() {
                        break Some(why);
                    }
                }
            }
        }
    };
    // hyper's connection is dropped here, and with it the answer in flight.
    if let Some(Expired::Head) = expired {
        let body = failure_json(
            408,
            "request-timeout",
            &format!("the request head did not arrive within {} ms", timeouts.header.as_millis()),
        );
        let answer = format!(
            "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\ncache-control: no-store\r\n\
             connection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        linger_close(&mut stream, answer.as_bytes()).await;
    }
}

/// Writes `answer`, shuts the write side, and reads what the client still
/// sends until it closes too: closing with unread bytes would reset the
/// connection and could discard the answer. Each step is bounded.
async fn linger_close(stream: &mut TcpStream, answer: &[u8]) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const STEP: Duration = Duration::from_secs(2);
    if !matches!(tokio::time::timeout(STEP, stream.write_all(answer)).await, Ok(Ok(()))) {
        return;
    }
    let _ = tokio::time::timeout(STEP, stream.shutdown()).await;
    let drain = async {
        let mut sink = [0u8; 4096];
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(STEP, drain).await;
}
