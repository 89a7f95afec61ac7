//! `pbx-component`: one WebAssembly component with a typed API over cloud-PBX
//! HTTP APIs. The WIT contract lives in `wit/`; this crate implements it.
//!
//! Layout:
//! - [`http`]: the one WASI HTTP client every provider sends through.
//! - [`json`]: JSON request bodies, member by member.
//! - [`error`]: the result type and constructors of the shared `error` variant.
//! - [`status`]: non-success HTTP answers (status classes, 429 delays,
//!   redirects) mapped to the `error` variant, body descriptions.
//! - [`redact`]: secret redaction, applied to every error before it leaves.
//! - [`validate`]: input checks that run before anything is sent.
//! - [`url`]: base URLs, percent-encoded queries and form bodies.
//! - [`text`]: small substring search and replacement.
//! - [`ringostat`], [`tring`], [`ringme`]: each provider's request building
//!   and response decoding (pure, unit-tested natively) and its export.
//! - [`telephony`]: one contract over the three, mapped from their rows.
//! - [`datetime`]: `YYYY-MM-DD HH:MM:SS` as seconds and back.

#![cfg_attr(target_arch = "wasm32", no_std)]
#![deny(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

/// What every module uses from `alloc` (the std prelude is not there in the
/// `no_std` wasm build).
mod prelude {
    pub use alloc::format;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

#[cfg(target_arch = "wasm32")]
mod runtime;

pub mod datetime;
pub mod error;
// The providers' documented example answers, shared with the host's mock
// (tests only: the wasm build carries none of it).
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "../host-test/fixtures/examples.rs"]
mod fixtures;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod fuzz;
pub mod http;
pub mod json;
pub mod redact;
pub mod ringme;
pub mod ringostat;
pub mod status;
pub mod telephony;
pub mod text;
pub mod tring;
pub mod url;
pub mod validate;

// The generated glue lifts and lowers values across the component boundary
// with raw pointers; that is what `unsafe` is used for here.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        world: "pbx",
        path: "wit",
        // Nothing in the component has a static constructor to run (it is
        // `no_std`, without the C runtime), so the exports skip the
        // run-constructors-once check.
        disable_run_ctors_once_workaround: true,
        with: {
            "wasi:http/types@0.2.12": wasi::http::types,
            "wasi:http/outgoing-handler@0.2.12": wasi::http::outgoing_handler,
            "wasi:io/poll@0.2.12": wasi::io::poll,
            "wasi:io/error@0.2.12": wasi::io::error,
            "wasi:io/streams@0.2.12": wasi::io::streams,
            "wasi:clocks/monotonic-clock@0.2.12": wasi::clocks::monotonic_clock,
        },
    });

    /// The type that implements every exported interface.
    pub struct Component;

    // Only the wasm build exports the functions: their names
    // (`telephony:pbx/...#...`) are not valid native symbol names.
    #[cfg(target_arch = "wasm32")]
    export!(Component);
}

pub use bindings::exports::telephony::pbx::types::{Error, FieldError, ProviderError};
pub(crate) use bindings::Component;
