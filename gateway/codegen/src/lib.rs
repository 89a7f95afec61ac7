//! `pbx-gateway-codegen`: generates the gateway's code and documents from
//! the WIT contract in `wit/`, the one place the routes come from.
//!
//! The outputs are checked in under `gateway/` ([`outputs`] names them), so
//! every API change shows in review and a reader can follow a request from
//! gateway/src/serve.rs into the generated dispatch. `tests/generated.rs`
//! fails when one is stale; `PBX_BLESS=1` (`./dev bless`) re-writes them.
//!
//! - [`model`]: the contract as the gateway sees it;
//! - [`names`]: the Rust names wit-bindgen gives WIT items;
//! - [`bindings`]: the `wit_bindgen::generate!` call of world `gateway`;
//! - [`dispatch`]: the JSON impls, route table and `call`;
//! - [`format`]: generated Rust as text ([`format_rust`]);
//! - [`schema`], [`problem`] and [`openapi`]: the OpenAPI 3.1 document
//!   (WIT types as schemas, the error answers, the paths);
//! - [`routes`]: the route table for readers.

pub mod bindings;
pub mod dispatch;
pub mod format;
pub mod model;
pub mod names;
pub mod openapi;
pub mod problem;
pub mod routes;
pub mod schema;

use std::path::Path;

pub use format::format_rust;
pub use model::Model;

/// Every generated file: its path under `gateway/` and its text.
pub fn outputs(m: &Model) -> Vec<(&'static str, String)> {
    vec![
        ("src/bindings.rs", bindings::bindings(m)),
        ("src/dispatch.rs", dispatch::dispatch(m)),
        ("openapi.json", openapi_text(m)),
        ("routes.md", routes::routes(m)),
    ]
}

/// The document as checked in: pretty-printed for review (the gateway's
/// build script serves it compact).
pub fn openapi_text(m: &Model) -> String {
    let mut s = serde_json::to_string_pretty(&openapi::openapi(m)).expect("OpenAPI serializes");
    s.push('\n');
    s
}

/// The files under `gateway_dir` whose text differs from the generated
/// one; with `bless`, re-writes them and returns nothing.
pub fn check(gateway_dir: &Path, bless: bool) -> Result<Vec<String>, String> {
    let m = Model::load(&gateway_dir.join("../wit"))?;
    let mut stale = Vec::new();
    for (rel, text) in outputs(&m) {
        let path = gateway_dir.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if bless {
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        } else {
            stale.push(rel.to_string());
        }
    }
    Ok(stale)
}
