//! The host itself: imports of the component, the precompiled cache, the CLI's dynamic calls.

use super::common::host;
use host_test::dynamic;
use host_test::kit::mock::MockProvider;
use host_test::kit::mock_transport;
use serde_json::json;
use wasmtime::component::types::ComponentItem;

#[test]
fn imports_only_what_it_needs() {
    let h = host();
    let imports: Vec<String> = h.component.component_type().imports(&h.engine).map(|(n, _)| n.to_string()).collect();
    assert!(imports.iter().any(|i| i.starts_with("wasi:http/outgoing-handler@")), "{imports:?}");
    let allowed = ["wasi:http/outgoing-handler@", "wasi:http/types@", "wasi:io/", "wasi:clocks/monotonic-clock@"];
    for import in &imports {
        assert!(allowed.iter().any(|a| import.starts_with(a)), "unexpected import {import}: {imports:?}");
    }
}

#[test]
fn exports_every_interface() {
    let h = host();
    let exports: Vec<String> = h
        .component
        .component_type()
        .exports(&h.engine)
        .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentInstance(_)))
        .map(|(n, _)| n.to_string())
        .collect();
    for iface in ["types", "ringostat", "tring", "ringme", "telephony"] {
        assert!(exports.contains(&format!("telephony:pbx/{iface}@0.1.0")), "{exports:?}");
    }
}

#[test]
fn precompiled_cache_round_trips() {
    let h = host();
    let dir = std::env::temp_dir().join(format!("pbx-cache-test-{}", std::process::id()));
    let bytes = std::fs::read(host_test::component_path()).unwrap();
    let first = host_test::cache::load(&h.engine, &bytes, &dir).unwrap();
    let path = host_test::cache::key_path(&h.engine, &bytes, &dir);
    assert!(path.exists(), "cache file written");
    let second = host_test::cache::load(&h.engine, &bytes, &dir).unwrap();
    assert_eq!(first.component_type().exports(&h.engine).count(), second.component_type().exports(&h.engine).count());
    std::fs::write(&path, b"garbage").unwrap();
    assert!(host_test::cache::load(&h.engine, &bytes, &dir).is_ok(), "a corrupt entry is recompiled");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn dynamic_calls_reach_the_mock() {
    let h = host();
    let functions = dynamic::list_functions(&h.engine, &h.component);
    assert!(functions.contains(&"ringostat.sip-online".to_string()), "{functions:?}");
    let mock = MockProvider::builtin();
    let mut store = h.store(mock_transport(mock.clone()));
    let instance = h.pre.instance_pre().instantiate_async(&mut store).await.unwrap();
    let func = dynamic::find(&mut store, &instance, "ringostat.sip-speaking").unwrap();
    let out = dynamic::call(&mut store, func, &json!({"cfg": {"auth-key": "k"}})).await.unwrap();
    assert_eq!(
        out,
        json!({"ok": ["supportrngst_manager2", "supportrngst_manager4", "supportrngst_manager5", "supportrngst_manager7"]})
    );
    assert_eq!(mock.single().path(), "/sipstatus/speaking");
}

/// `wasmtime run --invoke 'name(...)'` finds a function by its bare name
/// across every exported interface, and refuses names that occur twice.
#[test]
fn function_names_are_unique_across_interfaces() {
    let h = host();
    let mut names: Vec<String> = dynamic::list_functions(&h.engine, &h.component)
        .into_iter()
        .map(|f| f.split_once('.').map(|(_, n)| n.to_string()).unwrap_or(f))
        .collect();
    let total = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), total, "a function name occurs in two interfaces");
}
