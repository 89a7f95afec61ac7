//! The test host of `pbx-component`: the product host `pbx-host` (its whole
//! library, re-exported, so the tests name it as `host_test::...`) plus the
//! test [`kit`] (mock provider, stand-ins, a client for the served
//! gateway). The integration tests (`tests/it`) and the benchmark
//! (`benches/pbx`) live here; nothing here ships.

#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod kit;

pub use pbx_host::*;
