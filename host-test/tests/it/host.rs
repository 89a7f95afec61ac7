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

/// `ringostat.sip-speaking` called through `dynamic` against the built-in
/// mock: its answer as JSON, and the one request the mock saw.
fn assert_speaking(out: &serde_json::Value, mock: &MockProvider) {
    assert_eq!(
        *out,
        json!({"ok": ["supportrngst_manager2", "supportrngst_manager4", "supportrngst_manager5", "supportrngst_manager7"]})
    );
    assert_eq!(mock.single().path(), "/sipstatus/speaking");
}

/// `Host::load` from the precompiled cache: the entry it read (or wrote)
/// is where `cache::key_path` says, the component it loaded answers a call,
/// and a missing file is named with what to build.
#[tokio::test]
async fn host_load_uses_the_cache_and_names_a_missing_component() {
    let opts = host_test::HostOptions::fast();
    let dir = opts.cache_dir.clone().unwrap();
    let path = host_test::component_path();
    let loaded = host_test::Host::load(&path, &opts).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(host_test::cache::key_path(&loaded.engine, &bytes, &dir).exists(), "the cache entry it read or wrote");
    let mock = MockProvider::builtin();
    let out = loaded
        .call(&mock_transport(mock.clone()), "ringostat.sip-speaking", &json!({"cfg": {"auth-key": "k"}}))
        .await
        .unwrap();
    assert_speaking(&out, &mock);
    let missing = path.with_file_name("no-such-component.wasm");
    let err = host_test::Host::load(&missing, &opts).err().expect("a missing component fails");
    let text = format!("{err:#}");
    assert!(text.contains("no-such-component.wasm") && text.contains("build it first"), "{text}");
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
    assert_speaking(&out, &mock);
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

/// The CLI's JSON mapping is the gateway's (pbx-convention): `list<u8>` as
/// base64, strict types, unknown parameters refused without quoting an
/// unshaped name; `"@path"` reads a file only where the embedder turned it
/// on (the `pbx-host` binary does; this test process does not).
#[tokio::test]
async fn dynamic_arguments_follow_the_gateways_mapping() {
    let h = host();
    let cfg = json!({"server": "https://api.tring.nu", "api-key": "demo-api-key"});
    let fax = |pdf: serde_json::Value| json!({"cfg": cfg, "req": {"source-number": "3210", "dest-number": "3212", "pdf": pdf}});
    let call = |args: serde_json::Value| async move {
        let mock = MockProvider::builtin();
        let mut store = h.store(mock_transport(mock.clone()));
        let instance = h.pre.instance_pre().instantiate_async(&mut store).await.unwrap();
        let func = dynamic::find(&mut store, &instance, "tring.fax-send").unwrap();
        (dynamic::call(&mut store, func, &args).await.map_err(|e| format!("{e:#}")), mock)
    };
    // "%PDF-1.4 demo" in base64: the upload carries the decoded bytes.
    let (out, mock) = call(fax(json!("JVBERi0xLjQgZGVtbw=="))).await;
    assert!(out.as_ref().is_ok_and(|v| v.get("ok").is_some()), "{out:?}");
    assert!(mock.single().body_text().contains("\r\n\r\n%PDF-1.4 demo\r\n"), "{}", mock.single().body_text());
    // Not base64, a file where files are off, a number for a string, an
    // unknown parameter: refused before anything is sent.
    let path = std::env::temp_dir().join(format!("pbx-fax-{}.pdf", std::process::id()));
    std::fs::write(&path, b"%PDF-1.4 file").unwrap();
    let at = format!("@{}", path.display());
    let mut unknown = fax(json!("JVBERi0xLjQgZGVtbw=="));
    unknown["k3y+s3cr3t/x="] = json!(1);
    let mut number = fax(json!("JVBERi0xLjQgZGVtbw=="));
    number["req"]["dest-number"] = json!(3212);
    for (args, want) in [
        (fax(json!("%PDF-1.4 demo")), "expected a base64 string"),
        (fax(json!(at)), "\"@path\" arguments are off"),
        (number, "expected a string, got a number"),
        (unknown, "unknown parameter <member>"),
    ] {
        let (out, mock) = call(args).await;
        let e = out.expect_err("refused");
        assert!(e.contains(want), "{e}");
        assert!(!e.contains("s3cr3t") && !e.contains("3212"), "{e}");
        assert!(mock.requests().is_empty());
    }
    // The binary reads the file.
    let out = std::process::Command::new(host_test::kit::bin::pbx_host())
        .args(["call", "tring.fax-send"])
        .arg(fax(json!(at)).to_string())
        .output()
        .expect("run pbx-host");
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("\"ok\""), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
}
