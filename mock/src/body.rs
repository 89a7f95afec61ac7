//! The mock's answer bodies: whole, or in two frames with a pause between
//! them (for the between-bytes timeout).

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The error of a trickled body whose pause passed the request's
/// between-bytes timeout (a host reports it as `connection-read-timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadTimeout;

impl std::fmt::Display for ReadTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no more of the body within the between-bytes timeout")
    }
}

impl std::error::Error for ReadTimeout {}

/// An answer's body, as [`MockProvider::serve`](crate::MockProvider::serve)
/// gives it: whole in one frame, or trickled
/// ([`MockResponse::trickled`](crate::MockResponse::trickled)).
pub struct MockBody(Inner);

enum Inner {
    /// One frame, with `Full`'s exact size hint.
    Whole(Full<Bytes>),
    Trickled(TrickleBody),
}

impl MockBody {
    /// `bytes` in one frame.
    pub(crate) fn whole(bytes: Bytes) -> MockBody {
        MockBody(Inner::Whole(Full::new(bytes)))
    }

    /// `bytes` in two halves, `pause` apart; with a `between_bytes` timeout
    /// shorter than the pause, the body fails after that timeout instead.
    pub(crate) fn trickled(bytes: Bytes, pause: Duration, between_bytes: Option<Duration>) -> MockBody {
        let limit = between_bytes.unwrap_or(pause);
        let mut first = bytes;
        let rest = first.split_off(first.len() / 2);
        MockBody(Inner::Trickled(TrickleBody {
            first: Some(first),
            rest: Some(rest),
            pause: Box::pin(tokio::time::sleep(pause.min(limit))),
            times_out: limit < pause,
        }))
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = ReadTimeout;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, ReadTimeout>>> {
        match &mut self.get_mut().0 {
            Inner::Whole(full) => Pin::new(full).poll_frame(cx).map_err(|never| match never {}),
            Inner::Trickled(trickle) => Pin::new(trickle).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Inner::Whole(full) => full.is_end_stream(),
            Inner::Trickled(trickle) => trickle.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Inner::Whole(full) => full.size_hint(),
            Inner::Trickled(trickle) => trickle.size_hint(),
        }
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

impl Body for TrickleBody {
    type Data = Bytes;
    type Error = ReadTimeout;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, ReadTimeout>>> {
        let this = self.get_mut();
        if let Some(first) = this.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        if this.rest.is_none() {
            return Poll::Ready(None);
        }
        if this.pause.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let rest = this.rest.take();
        if this.times_out {
            return Poll::Ready(Some(Err(ReadTimeout)));
        }
        Poll::Ready(rest.map(|b| Ok(Frame::data(b))))
    }
}
