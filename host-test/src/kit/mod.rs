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

// The client and the mock's hook are the `pbx-host` binary's too, which
// cannot depend on this crate (this crate depends on pbx-host): one copy of
// each, in the binary's source, compiled here as well.
pub mod bin;
#[path = "../../../host/src/cli/client.rs"]
pub mod client;
#[path = "../../../host/src/cli/mock_hook.rs"]
mod mock_hook;
pub mod pooled;

pub use mock_hook::{mock_transport, MockHook};
pub use pbx_mock as mock;
pub use pbx_mock::standin;

use anyhow::Result;
use pbx_host::{Host, Session};
use std::sync::Arc;

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
