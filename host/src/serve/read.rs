//! Reading a request's body whole before it takes an instance, and the
//! answers when that fails ([`Unread`]).

use super::failure::{closing, failure};
use super::gateway::Gateway;
use super::options::BODY_CAP;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Body;
use std::time::Duration;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

impl Gateway {
    /// The whole body, within the cap and the body timeout.
    /// `declared`: the request's `Content-Length`, if it has one.
    pub(super) async fn read_body<B>(&self, declared: Option<u64>, body: B) -> Result<Bytes, Unread>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        // Refused from the declared length without reading a byte.
        if declared.is_some_and(|n| n > BODY_CAP as u64) {
            return Err(Unread::TooLarge);
        }
        let body = Limited::new(body.map_err(Into::<wasmtime_wasi_http::Error>::into), BODY_CAP);
        match tokio::time::timeout(self.timeouts.body, body.collect()).await {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(Unread::TooLarge),
            Ok(Err(_)) => Err(Unread::Broken),
            Err(_) => Err(Unread::Late),
        }
    }
}

/// Why a request's body was not read whole.
pub(super) enum Unread {
    /// Over [`BODY_CAP`], declared or as sent.
    TooLarge,
    /// Not in within the body timeout.
    Late,
    /// Broken off by the client, or badly framed.
    Broken,
}

impl Unread {
    /// The answer, closing the connection: the rest of the request stays
    /// unread, so the connection is of no further use.
    pub(super) fn answer(self, body_timeout: Duration) -> http::Response<HyperOutgoingBody> {
        let (status, kind, message) = match self {
            // The gateway's own words for its cap, so the answer does not
            // depend on which side refused.
            Unread::TooLarge => {
                (413, "body-too-large", "the body is over the gateway's cap of 8 MiB (8388608 bytes)".to_string())
            }
            Unread::Late => (
                408,
                "request-timeout",
                format!("the request body did not arrive within {} ms", body_timeout.as_millis()),
            ),
            Unread::Broken => (400, "malformed-request", "the request body could not be read".to_string()),
        };
        closing(failure(status, kind, &message))
    }
}
