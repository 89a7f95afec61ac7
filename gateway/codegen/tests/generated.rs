//! The checked-in outputs are what the generator makes of wit/ today (the
//! pattern of wasmtime's crates/component-macro/tests/expanded.rs): a change
//! to the WIT or the generator shows as a diff of gateway/src/dispatch.rs,
//! gateway/openapi.json and gateway/routes.md. `PBX_BLESS=1 cargo test -p
//! pbx-gateway-codegen` (or `./dev bless`) re-writes them.

use std::path::Path;

#[test]
fn the_checked_in_outputs_are_current() {
    let gateway = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bless = std::env::var_os("PBX_BLESS").is_some_and(|v| v == "1");
    let stale = pbx_gateway_codegen::check(&gateway, bless).expect("wit/ parses and the outputs are readable");
    assert!(
        stale.is_empty(),
        "stale generated files under gateway/: {stale:?}; run `./dev bless` \
         (PBX_BLESS=1 cargo test -p pbx-gateway-codegen) and review the diff"
    );
}
