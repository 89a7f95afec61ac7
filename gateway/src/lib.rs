//! `pbx-gateway-face`: the HTTP face of the pbx library. A
//! `wasi:http/incoming-handler` component that serves every function the
//! library's `pbx` world exports as `POST /v1/<interface>/<function>` with
//! JSON in and out. With feature `linked` (the shipped `pbx_gateway.wasm`)
//! the library crate is linked in and its functions are called as Rust
//! (`bindings` maps the interfaces' modules to `pbx_component::linked`);
//! without it the face imports those interfaces and `compose/` plugs it
//! into `pbx_component.wasm`.
//!
//! Everything per function is generated from `../wit` by
//! `pbx-gateway-codegen` (gateway/codegen) and checked in: the bindings call
//! (src/bindings.rs), the JSON impls of every WIT type, the route table and the
//! dispatch ([`dispatch`]), the OpenAPI document (gateway/openapi.json) and
//! the route table for readers (gateway/routes.md). This crate holds the HTTP handling ([`serve`]), the
//! generic JSON mapping ([`json`]), the settings ([`settings`]), the rules
//! every provider config passed on must satisfy ([`outbound`]: allowed
//! hosts, the timeout bound) and the answers ([`reply`]; errors as RFC 9457
//! problems, [`problem`]).

#![deny(missing_docs)]
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

// The library's allocator, panic trap and `cabi_realloc` (linked only when
// named).
#[cfg(target_arch = "wasm32")]
use pbx_runtime as _;

pub mod bad;
pub use pbx_convention::base64;
pub mod json;
pub mod outbound;
pub mod problem;
pub mod reply;
pub mod settings;
/// RingMe tokens in the host's key-value store (the Spin build).
#[cfg(feature = "spin-kv")]
mod token_store;

/// The bindings of world `gateway` (generated, checked in; see
/// gateway/codegen). Not formatted by rustfmt: the generator's output is
/// what the staleness test compares.
#[allow(missing_docs, clippy::all)]
#[rustfmt::skip]
mod bindings;

/// The JSON impls, route table and dispatch (generated, checked in; see
/// gateway/codegen): serve.rs hands each request to [`dispatch::call`].
#[allow(
    missing_docs,
    clippy::all,
    unused_variables
)]
#[rustfmt::skip]
pub mod dispatch;

/// The OpenAPI 3.1 document of every route (gateway/openapi.json, compacted
/// and deflated by build.rs).
const OPENAPI_DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/openapi.json.deflate"));

/// The OpenAPI 3.1 document of every route, as JSON bytes; `None` only if
/// the embedded data were corrupt.
pub fn openapi() -> Option<alloc::vec::Vec<u8>> {
    miniz_oxide::inflate::decompress_to_vec(OPENAPI_DEFLATED).ok()
}

pub use bindings::telephony::pbx::types::Error;

mod serve;

#[cfg(test)]
mod tests;
