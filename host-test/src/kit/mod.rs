//! The test kit: what the tests and the benchmark use to drive the host
//! without a provider. An embedder needs none of it.
//!
//! - [`mock`]: a stand-in for the three providers (the `pbx-mock` crate)
//!   that records every request exactly as it left the component and
//!   answers with the documented examples (or whatever a test tells it to);
//!   [`mock_transport`] plugs one into the host through its hook.
//! - [`client`]: a small HTTP/1.1 client for the served gateway.
//! - [`standin`]: stand-ins on a loopback socket: Ringostat `sip-online`
//!   (the benchmark's provider) and the mock over real HTTP.
//! - [`pooled`]: a plain keep-alive client (the benchmark's native caller).
//! - [`bin`]: the `pbx-host` binary, built for the tests that run it.

pub mod bin;
pub mod pooled;

pub use pbx_host::client;
pub use pbx_mock as mock;
pub use pbx_mock::standin;

use anyhow::Result;
use pbx_host::{FnHook, Host, Session, Transport};
use std::sync::Arc;

/// A transport whose requests `mock` answers; nothing leaves the process.
pub fn mock_transport(mock: Arc<mock::MockProvider>) -> Transport {
    let key = mock::wasi::key(&mock);
    Transport::Hook(Arc::new(FnHook::new(key, move |request, options| {
        mock::wasi::send(mock.clone(), request, options)
    })))
}

/// [`Host`] driven against a mock.
pub trait Mocked {
    /// A fresh instance whose requests go to `mock`.
    fn mocked(&self, mock: &Arc<mock::MockProvider>) -> impl std::future::Future<Output = Result<Session>> + Send;
}

impl Mocked for Host {
    async fn mocked(&self, mock: &Arc<mock::MockProvider>) -> Result<Session> {
        self.instance(mock_transport(mock.clone())).await
    }
}
