//! The plain bindings (`PBX_PLAIN_BINDINGS=1`: wit-bindgen's output without
//! build.rs's shared `error` lowering, built by `./dev build` under
//! target/variants/plain/) against the shipped component: every export,
//! called with the same arguments against the same mocks, answers the same
//! in both, on the success path and on each error path. The shared lowering
//! only moves code, so any difference is a defect of the rewrite.

use host_test::dynamic;
use host_test::kit::mock::{MockProvider, MockResponse};
use host_test::{Host, HostOptions};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::component::{Type, Val};

/// Where `./dev build` puts the plain variant (PBX_PLAIN_COMPONENT overrides).
const PLAIN: &str = "target/variants/plain/wasm32-wasip2/release/pbx_component.wasm";

fn plain_path() -> PathBuf {
    host_test::built_wasm(std::env::var_os("PBX_PLAIN_COMPONENT"), PLAIN)
}

/// A host of its own for `component`: not the shared one, whose instance
/// pool other tests fill on purpose (instances.rs), which failed these
/// instantiations when both ran at once.
fn own_host(component: &Path) -> Host {
    Host::load(component, &HostOptions::fast()).expect("load the component: run ./dev build first")
}

/// An argument of type `ty`: non-empty text, small numbers, the first case,
/// no optional values, so most calls reach the provider.
pub(crate) fn sample(ty: &Type) -> Val {
    match ty {
        Type::Bool => Val::Bool(false),
        Type::U8 => Val::U8(1),
        Type::U16 => Val::U16(1),
        Type::U32 => Val::U32(1),
        Type::U64 => Val::U64(1),
        Type::S8 => Val::S8(1),
        Type::S16 => Val::S16(1),
        Type::S32 => Val::S32(1),
        Type::S64 => Val::S64(1),
        Type::Float32 => Val::Float32(1.0),
        Type::Float64 => Val::Float64(1.0),
        Type::Char => Val::Char('1'),
        Type::String => Val::String("1".into()),
        Type::List(_) => Val::List(Vec::new()),
        Type::Record(r) => Val::Record(r.fields().map(|f| (f.name.to_string(), sample(&f.ty))).collect()),
        Type::Tuple(t) => Val::Tuple(t.types().map(|t| sample(&t)).collect()),
        Type::Enum(e) => Val::Enum(e.names().next().expect("an enum case").to_string()),
        Type::Variant(v) => {
            let case = v.cases().next().expect("a variant case");
            Val::Variant(case.name.to_string(), case.ty.map(|t| Box::new(sample(&t))))
        }
        Type::Option(_) => Val::Option(None),
        Type::Flags(_) => Val::Flags(Vec::new()),
        other => panic!("no sample argument of type {other:?}"),
    }
}

/// `function` of a fresh instance of `host` answered by `mock`: its results,
/// or the trap.
async fn call(host: &Host, mock: &Arc<MockProvider>, function: &str) -> Result<Vec<Val>, String> {
    let (mut store, instance) =
        host.instantiate(host_test::kit::mock_transport(mock.clone())).await.expect("instantiate");
    let func = dynamic::find(&mut store, &instance, function).expect("export");
    let params: Vec<Val> = func.ty(&store).params().map(|(_, t)| sample(&t)).collect();
    let mut results = vec![Val::Bool(false); func.ty(&store).results().len()];
    match func.call_async(&mut store, &params, &mut results).await {
        Ok(()) => Ok(results),
        Err(trap) => Err(format!("trap: {trap}")),
    }
}

/// The kind of an outcome: `ok`, the `error` case (`err provider`), or the trap.
fn kind(outcome: &Result<Vec<Val>, String>) -> String {
    let Ok(results) = outcome else { return "trap".into() };
    match results.first() {
        Some(Val::Result(Ok(_))) => "ok".into(),
        Some(Val::Result(Err(Some(e)))) => match &**e {
            Val::Variant(case, _) => format!("err {case}"),
            other => format!("{other:?}"),
        },
        other => format!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plain_bindings_answer_as_the_shared_lowering() {
    let shipped = std::fs::metadata(host_test::component_path()).expect("the component").len();
    let plain_len = std::fs::metadata(plain_path()).expect("the plain variant: run ./dev build first").len();
    // The rewrite is on in the shipped build and off in the plain one
    // (measured: 451,240 against 366,987 bytes).
    assert!(plain_len > shipped + 50_000, "plain {plain_len} bytes, shipped {shipped}: is the rewrite on?");

    let mocks = [
        ("documented answers", MockProvider::builtin()),
        ("401", MockProvider::always(MockResponse::json(401, r#"{"error":"invalid_token","message":"no"}"#))),
        ("429", MockProvider::always(MockResponse::json(429, "{}").header("retry-after", "7"))),
        ("500", MockProvider::always(MockResponse::html(500, "<html>down</html>"))),
    ];
    let (shared, plain) = (own_host(&host_test::component_path()), own_host(&plain_path()));
    let functions = dynamic::list_functions(&shared.engine, &shared.component);
    assert_eq!(functions, dynamic::list_functions(&plain.engine, &plain.component), "the same exports");
    let mut outcomes = BTreeSet::new();
    for (name, mock) in &mocks {
        for f in &functions {
            let a = call(&shared, mock, f).await;
            let b = call(&plain, mock, f).await;
            // Debug shows every field of the values in full.
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{f} against the {name} mock: shipped vs plain");
            outcomes.insert(kind(&a));
        }
    }
    // Both paths were taken: successes and several `error` cases, no trap.
    assert!(outcomes.contains("ok"), "no call succeeded: {outcomes:?}");
    let errors = outcomes.iter().filter(|o| o.starts_with("err ")).count();
    assert!(errors >= 4 && !outcomes.contains("trap"), "outcomes compared: {outcomes:?}");
}
