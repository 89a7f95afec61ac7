//! `pbx-host serve`: the HTTP gateway component (`pbx_gateway.wasm`, a
//! `wasi:http/proxy` component) served by this host, as `wasmtime serve`
//! does it: wasmtime-wasi-http's incoming side (`ProxyPre`,
//! `new_incoming_request`, `new_response_outparam`) behind a hyper HTTP/1.1
//! server on a tokio `TcpListener`, on the [`Host`](crate::Host)'s pooled
//! engine and instance limit.
//!
//! - **Settings:** the gateway reads `wasi:cli/environment`; it gets the
//!   `PBX_*` variables given in [`ServeOptions::env`] and nothing else.
//! - **Transport:** its outgoing requests go through [`ServeOptions::transport`]
//!   (the CLI: the built-in mock, or the network with `--real`).
//! - **Slow clients:** the host reads the whole request before it takes an
//!   instance slot, so a client that sends slowly holds a connection, never
//!   an instance. The head must arrive within [`ServeOptions::header_timeout`]
//!   and the body (at most [`BODY_CAP`], the gateway's own cap; past it
//!   `413 body-too-large`) within [`ServeOptions::body_timeout`], else
//!   `408` (problem `request-timeout`) with `Connection: close`. A keep-alive connection idle for [`ServeOptions::idle_timeout`]
//!   is closed, and so is one whose answer the client stops reading for
//!   [`ServeOptions::body_timeout`] (that answer's instance is then freed).
//! - **Instance limit:** a request past [`HostOptions::max_instances`](crate::HostOptions)
//!   waits in line; after the queue timeout it is answered `503` with
//!   a problem of kind `overloaded` (`application/problem+json`) naming the limit.
//! - **Warm instances** (with [`HostOptions::reuse`](crate::HostOptions)): the
//!   rule is **a request that brings no credential or config of its own,
//!   anywhere in its body** ([`credential_free`]: a JSON object, at most
//!   [`INSPECT_CAP`] bytes, in which no member at any depth is a config or
//!   credential-like field (`cfg`, `auth-key`, `token`, `base-url`,
//!   `server`, ...) with a value, and whose telephony `account`, if any, only
//!   names a provider (`"ringme"`, `{"tring": null}`, `{"ringostat":
//!   {"project-id": "1"}}`); or a bodiless `GET`) may be served by a warm
//!   instance that served such requests on the same interface
//!   (`/v1/<interface>/...`) of the same [`Gateway`] (gateways loaded on
//!   one host share its pool, each with its own settings) before. Those
//!   requests all run on the server-held credentials, so what an instance keeps (the RingMe token
//!   cache, the Ringostat JSON-RPC id counter) belongs to the server's one
//!   tenant. Any other request (its own config or credential, a body the host
//!   cannot prove credential-free, a larger one) gets a fresh instance that is
//!   dropped afterwards: a caller's credentials never meet another request's
//!   state. A warm instance serves at most [`Reuse::max_calls`](crate::instances::Reuse)
//!   requests and is dropped once idle for [`Reuse::max_idle`](crate::instances::Reuse)
//!   (the server sweeps every second).
//! - **Busy poll:** each thread of [`Server::start_per_core`] keeps polling
//!   its sockets before it sleeps while its waits are short, up to
//!   [`ServeOptions::busy_poll`] (`poll.rs`).
//! - **Open gateway:** with `PBX_GATEWAY_AUTH=none` and no
//!   `PBX_GATEWAY_TOKEN` the gateway answers without a token; [`Server::start`]
//!   then refuses any address but a loopback one ([`open_gateway`]).

mod connection;
mod failure;
mod gateway;
mod open;
mod options;
mod poll;
mod read;
mod server;
mod warm;

pub use gateway::{Gateway, BUFFERED_BODIES};
pub use open::open_gateway;
pub use options::{
    ServeOptions, BODY_CAP, DEFAULT_BODY_TIMEOUT, DEFAULT_BUSY_POLL, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
};
pub use server::{Server, MAX_THREADS};
pub use warm::{credential_free, INSPECT_CAP};

use std::path::PathBuf;

/// Where the gateway component is built, relative to the workspace root.
pub const DEFAULT_GATEWAY: &str = "target/wasm32-wasip2/release/pbx_gateway.wasm";

/// The gateway path: the release build under `$CARGO_TARGET_DIR`, else
/// [`DEFAULT_GATEWAY`] under the workspace root.
pub fn gateway_path() -> PathBuf {
    crate::built_wasm(None, DEFAULT_GATEWAY)
}
