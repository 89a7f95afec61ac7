//! The mock behind a wasmtime host's outgoing-request hook (feature
//! `wasi-http`): it answers in process, and what it fails with becomes the
//! error code a real sender gives. `pbx-host` plugs [`send`] in with its
//! `FnHook`, keyed by [`key`] (the binary's built-in mock and the test kit
//! alike).

use crate::{MockError, MockProvider, ReadTimeout};
use http_body_util::BodyExt;
use std::future::Future;
use std::sync::Arc;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

/// `request` answered by `mock`, with the sender's timeouts of `options`.
pub fn send(
    mock: Arc<MockProvider>,
    request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
) -> impl Future<Output = Result<http::Response<WasiBody>, Error>> + Send + 'static {
    let timeouts = [
        options.and_then(|o| o.connect_timeout),
        options.and_then(|o| o.first_byte_timeout),
        options.and_then(|o| o.between_bytes_timeout),
    ];
    async move {
        match mock.serve(request, timeouts).await {
            Ok(response) => {
                Ok(response.map(|body| body.map_err(|ReadTimeout| Error::ConnectionReadTimeout).boxed_unsync()))
            }
            Err(MockError::Body(e)) => Err(e),
            Err(MockError::Failure(text)) => Err(Error::InternalError(Some(text))),
            Err(MockError::ReadTimeout) => Err(Error::ConnectionReadTimeout),
        }
    }
}

/// The mock's identity, for warm-instance keys: every hook over one mock
/// shares warm instances.
pub fn key(mock: &Arc<MockProvider>) -> String {
    format!("mock@{:p}", Arc::as_ptr(mock))
}
