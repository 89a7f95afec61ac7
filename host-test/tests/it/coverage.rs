//! Every exported function has an integration test (like wasmtime's
//! `assert_test_exists!`): a function that no test module of this binary
//! calls is a failure, so a new export cannot land untested.
//!
//! A function counts as called when a test module names it the way a test
//! calls it: through the typed bindings (`call_sip_online`) or by name through
//! the dynamic caller (`"ringostat.sip-online"`).

use crate::common::host;
use host_test::dynamic;

/// The source of every module of this test binary but this one, in
/// `tests/it` and its subdirectories (a module split by area, `tring/`).
fn test_sources() -> String {
    fn read(dir: &std::path::Path, all: &mut String) {
        for entry in std::fs::read_dir(dir).expect("read a test directory") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                read(&path, all);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests/it/coverage.rs") {
                all.push_str(&std::fs::read_to_string(&path).expect("read a test module"));
            }
        }
    }
    let mut all = String::new();
    read(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it"), &mut all);
    all
}

#[test]
fn every_export_has_an_integration_test() {
    let sources = test_sources();
    let functions = dynamic::list_functions(&host().engine, &host().component);
    assert!(functions.len() >= 99, "the component exports {} functions", functions.len());
    let missing: Vec<&String> = functions
        .iter()
        .filter(|qualified| {
            let (_, func) = qualified.split_once('.').expect("interface.function");
            let typed = format!("call_{}(", func.replace('-', "_"));
            let by_name = format!("\"{qualified}\"");
            !sources.contains(&typed) && !sources.contains(&by_name)
        })
        .collect();
    assert!(missing.is_empty(), "exports with no integration test: {missing:?}");
}
