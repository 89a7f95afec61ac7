//! The mock provider (`pbx-mock`) behind the host's outgoing-request hook:
//! the mock answers in process, and what it fails with becomes the error
//! code a real sender gives. The binary's built-in mock; the test kit
//! (host-test) compiles this same file (it cannot be in pbx-host's library,
//! whose API names no mock, nor in pbx-mock, which does not depend on the
//! host).

use http_body_util::BodyExt;
use pbx_host::transport::{HookFuture, OutgoingHook};
use pbx_host::Transport;
use pbx_mock::{MockError, MockProvider, ReadTimeout};
use std::sync::Arc;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

/// A [`MockProvider`] as an [`OutgoingHook`].
pub struct MockHook(pub Arc<MockProvider>);

impl OutgoingHook for MockHook {
    fn send(&self, request: http::Request<WasiBody>, options: Option<RequestOptions>) -> HookFuture {
        let mock = self.0.clone();
        let timeouts = [
            options.and_then(|o| o.connect_timeout),
            options.and_then(|o| o.first_byte_timeout),
            options.and_then(|o| o.between_bytes_timeout),
        ];
        Box::new(async move {
            match mock.serve(request, timeouts).await {
                Ok(response) => {
                    Ok(response.map(|body| body.map_err(|ReadTimeout| Error::ConnectionReadTimeout).boxed_unsync()))
                }
                Err(MockError::Body(e)) => Err(e),
                Err(MockError::Failure(text)) => Err(Error::InternalError(Some(text))),
                Err(MockError::ReadTimeout) => Err(Error::ConnectionReadTimeout),
            }
        })
    }

    /// The mock's identity: every hook over one mock shares warm instances.
    fn key(&self) -> String {
        format!("mock@{:p}", Arc::as_ptr(&self.0))
    }
}

/// A transport whose requests `mock` answers; nothing leaves the process.
pub fn mock_transport(mock: Arc<MockProvider>) -> Transport {
    Transport::Hook(Arc::new(MockHook(mock)))
}
