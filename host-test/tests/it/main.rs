//! One integration-test binary for the whole component (one link of the
//! wasmtime host, one compiled component shared by every test).

mod caps;
mod clients;
mod common;
mod coverage;
mod faults;
mod gateway;
mod guarded;
mod host;
mod instances;
mod limits;
mod outbound;
mod plain;
mod readme;
mod repeat;
mod ringme;
mod ringostat;
mod secrets;
mod spin;
mod structure;
mod telephony;
mod tring;
