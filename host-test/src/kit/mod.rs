//! The test kit: what the demo, the CLI and the tests use to drive the host
//! without a provider. An embedder needs none of it (see the crate docs).
//!
//! - [`mock`]: a stand-in for the three providers that records every request
//!   exactly as it left the component and answers with the documented
//!   examples (or whatever a test tells it to).
//! - [`client`]: a small HTTP/1.1 client for the served gateway.
//! - [`standin`]: a Ringostat `sip-online` stand-in on a loopback socket
//!   (the benchmark's provider).

pub mod client;
pub mod mock;
pub mod standin;
