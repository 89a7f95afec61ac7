//! Shared fixtures: one loaded [`Host`] for every test, fresh instances per test.

use host_test::kit::mock::MockProvider;
use host_test::kit::Mocked;
use host_test::{Host, HostOptions, Session};
use std::sync::{Arc, OnceLock};

/// The component, compiled (or read from the precompiled cache) once.
pub fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        Host::load(&host_test::component_path(), &HostOptions::fast())
            .expect("load the component: run `cargo build --release --target wasm32-wasip2` first")
    })
}

/// A fresh instance answering from `mock`.
pub async fn session(mock: &Arc<MockProvider>) -> Session {
    host().mocked(mock).await.expect("instantiate")
}

/// Asserts that no text of `err` (its Debug form covers every field)
/// contains any of `secrets`.
pub fn assert_no_secret(err: &impl std::fmt::Debug, secrets: &[&str]) {
    let text = format!("{err:?}");
    for s in secrets {
        assert!(!text.contains(s), "secret {s:?} leaked in {text}");
    }
}
