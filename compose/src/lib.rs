//! Composition of components with `wac-graph`, as `wac plug` does it: a
//! socket component's imports are satisfied by a plug component's exports of
//! the same name (or a semver-compatible one), the socket's exports become
//! the result's, and the plug's own imports (and the socket's unplugged ones)
//! remain imports of the result.
//!
//! The build uses it for the composed variant of the gateway (socket: the
//! HTTP face built without `linked`, plug: `pbx_component.wasm`; the shipped
//! `pbx_gateway.wasm` is linked instead) and to plug the Spin build's
//! environment adapter; tests use it to compose other components that
//! import `telephony:pbx/*` with the library.

#![deny(missing_docs)]

use anyhow::{Context, Result};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};
use wasmparser::{Parser, Payload};

/// Plugs `socket`'s imports with `plug`'s exports and returns the composed,
/// validated component. Fails when no import of the socket matches an export
/// of the plug.
pub fn plug(socket: &[u8], plug: &[u8]) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let socket = Package::from_bytes("pbx:socket", None, socket.to_vec(), graph.types_mut())
        .context("reading the socket component")?;
    let socket = graph.register_package(socket)?;
    let plug = Package::from_bytes("pbx:plug", None, plug.to_vec(), graph.types_mut())
        .context("reading the plug component")?;
    let plug = graph.register_package(plug)?;
    wac_graph::plug(&mut graph, vec![plug], socket).context("plugging the socket's imports")?;
    graph.encode(EncodeOptions::default()).context("encoding the composition")
}

/// The names a component imports and exports (its top-level extern names,
/// e.g. `wasi:http/types@0.2.12`), in order.
pub fn imports_exports(component: &[u8]) -> Result<(Vec<String>, Vec<String>)> {
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(component) {
        match payload.context("parsing the component")? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            Payload::ComponentImportSection(s) if depth == 0 => {
                for i in s {
                    imports.push(i?.name.0.to_string());
                }
            }
            Payload::ComponentExportSection(s) if depth == 0 => {
                for e in s {
                    exports.push(e?.name.0.to_string());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}
