//! Generates the component's WIT bindings (what `wit_bindgen::generate!`
//! would expand to, with the same options) into `$OUT_DIR/bindings.rs`, then
//! shares one piece of glue: the lowering of the `error` variant
//! (build/share_error.rs, a rewrite of the generated syntax tree).
//!
//! `PBX_PLAIN_BINDINGS=1` turns the rewrite off: the bindings are then
//! wit-bindgen's output as is. `./dev build` builds that variant too
//! (target/variants/plain/), and the integration tests (plain.rs) check that
//! both answer the same.

use std::path::PathBuf;

use wit_bindgen_core::wit_parser::Resolve;
use wit_bindgen_core::{Files, WorldGenerator};
use wit_bindgen_rust::{Opts, WithOption};

#[path = "build/direct.rs"]
mod direct;
#[path = "build/error_exports.rs"]
mod error_exports;
#[path = "build/share_error.rs"]
mod share_error;

/// Interfaces taken from the `wasi` crate instead of being generated.
const WITH: [(&str, &str); 6] = [
    ("wasi:http/types@0.2.12", "wasi::http::types"),
    ("wasi:http/outgoing-handler@0.2.12", "wasi::http::outgoing_handler"),
    ("wasi:io/poll@0.2.12", "wasi::io::poll"),
    ("wasi:io/error@0.2.12", "wasi::io::error"),
    ("wasi:io/streams@0.2.12", "wasi::io::streams"),
    ("wasi:clocks/monotonic-clock@0.2.12", "wasi::clocks::monotonic_clock"),
];

/// The switch that leaves wit-bindgen's output unchanged (value `1`).
const PLAIN: &str = "PBX_PLAIN_BINDINGS";

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let wit = root.join("wit");
    println!("cargo:rerun-if-changed=wit");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    println!("cargo:rerun-if-env-changed={PLAIN}");

    let mut resolve = Resolve::default();
    let (pkg, _) = resolve.push_path(&wit).expect("parse wit/");
    let world = resolve.select_world(&[pkg], Some("pbx")).expect("world pbx");
    // The feature `linked` (see Cargo.toml).
    let linked = std::env::var_os("CARGO_FEATURE_LINKED").is_some();
    let opts = Opts {
        // Nothing in the component has a static constructor to run (it is
        // `no_std`, without the C runtime), so the exports skip the
        // run-constructors-once check.
        disable_run_ctors_once_workaround: true,
        with: WITH.iter().map(|(k, v)| (k.to_string(), WithOption::Path(v.to_string()))).collect(),
        // The exports' part of the component type is emitted by `export!`
        // rather than beside the bindings, so that the gateway face linking
        // this crate into its own module (feature `linked`, which invokes no
        // `export!`) exports only its own handler. The component's own build
        // is byte-identical either way (compared, 2026-12-07).
        pub_export_macro: true,
        ..Opts::default()
    };
    let mut files = Files::default();
    opts.build().generate(&mut resolve, world, &mut files).expect("generate bindings");
    let (_, src) = files.iter().next().expect("one generated file");
    let src = std::str::from_utf8(src).expect("utf-8 bindings");

    let out = match std::env::var(PLAIN).as_deref() {
        Ok("1") => src.to_string(),
        Ok("" | "0") | Err(_) => {
            let exports = error_exports::count(&resolve, world);
            let shared = share_error::share_error_lowering(src, exports).unwrap_or_else(|e| {
                panic!(
                    "build.rs: cannot share the `error` lowering in wit-bindgen's output: {e}\n\
                     (a new wit-bindgen lowers differently: adapt build/share_error.rs, \
                     or build with {PLAIN}=1 for the unshared bindings, ~84 KB larger)"
                )
            });
            if !linked {
                return write(shared);
            }
            let mut file = syn::parse_file(&shared).expect("the rewritten bindings parse");
            let added = direct::add_direct_calls(&mut file);
            let functions = error_exports::functions(&resolve, world);
            assert_eq!(
                added, functions,
                "build.rs: direct calls added for {added} of the {functions} exported functions"
            );
            prettyplease::unparse(&file)
        }
        Ok(other) => panic!("build.rs: {PLAIN} is `1` (plain bindings) or unset, not {other:?}"),
    };
    write(out);
}

fn write(bindings: String) {
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("bindings.rs");
    std::fs::write(dest, bindings).expect("write bindings.rs");
}
