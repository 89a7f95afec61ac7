//! The WASI 0.3 (p3) variant of one call, Ringostat `sip-online`
//! (`p3/`, built to `pbx_p3.wasm`), for the benchmark to measure against the
//! p2 component. Experimental, like wasmtime's p3 support itself (feature
//! `p3` of this crate: `component-model-async`, `wasmtime-wasi/p3`,
//! `wasmtime-wasi-http/p3`); not shipped.
//!
//! The component exports `sip-online: async func(cfg) -> result<list<string>,
//! string>` and imports `wasi:http/client@0.3.0` and
//! `wasi:clocks/monotonic-clock@0.3.0`. Its outgoing request goes through the
//! same [`WasiHttpHooks::send_request`](wasmtime_wasi_http::WasiHttpHooks)
//! as p2's (wasmtime-wasi-http 48 serves both from one hook), so a
//! [`Transport::Pooled`] store sends it on the shared keep-alive pool,
//! exactly as the p2 rows do.
//!
//! [`P3Host::sip_online`] runs a fresh instance per call;
//! [`P3Host::reused`] gives one instance that serves call after call
//! ([`P3Reused::sip_online`]). Neither takes a slot of the instance gate of
//! [`Host`](crate::Host) (the pooling allocator still bounds live instances).
//! The component keeps no state between calls (no statics, no cache), so a
//! reused instance carries nothing from one call to the next.

use crate::{engine_with, load_component, HostOptions, HostState, Transport};
use anyhow::{anyhow, Result};
use std::path::{Path, PathBuf};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};
use wasmtime_wasi::WasiCtx;

/// Typed bindings of the `telephony:pbx-p3/pbx-p3` world (`p3/wit`).
#[allow(missing_docs)]
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../p3/wit",
        world: "pbx-p3",
        exports: { default: async | store },
        with: {
            "wasi:http": wasmtime_wasi_http::p3::bindings::http,
            "wasi:clocks": wasmtime_wasi::p3::bindings::clocks,
        },
        require_store_data_send: true,
    });
}

use bindings::exports::telephony::pbx_p3::ringostat::Config;

/// Where the built p3 component is, relative to the workspace root.
pub const DEFAULT_P3_COMPONENT: &str = "target/wasm32-wasip2/release/pbx_p3.wasm";

/// The p3 component path: `$PBX_P3_COMPONENT`, else the release build under
/// `$CARGO_TARGET_DIR`, else [`DEFAULT_P3_COMPONENT`] under the workspace
/// root. Build it with
/// `cargo build --release --target wasm32-wasip2 --manifest-path p3/Cargo.toml`.
pub fn p3_component_path() -> PathBuf {
    crate::built_wasm(std::env::var_os("PBX_P3_COMPONENT"), DEFAULT_P3_COMPONENT)
}

/// The p3 component, compiled and linked once (WASI p3 and WASI HTTP p3),
/// instantiated per call or once for [`P3Host::reused`].
pub struct P3Host {
    /// The engine: [`engine_with`] (the same pooling configuration as the p2
    /// host), whose component-model-async support the `p3` feature turns on.
    pub engine: Engine,
    /// The compiled component.
    pub component: Component,
    /// Linked once.
    pub pre: bindings::PbxP3Pre<HostState>,
    /// Where every store's outgoing requests go.
    pub transport: Transport,
}

impl P3Host {
    /// Loads [`p3_component_path`] with pooling and the precompiled cache
    /// ([`HostOptions::fast`]); requests go through `transport` (the
    /// benchmark's comparable choice: [`Transport::Pooled`]).
    pub fn load_default(transport: Transport) -> Result<P3Host> {
        P3Host::load(&p3_component_path(), &HostOptions::fast(), transport)
    }

    /// Loads (compiling, or reading the precompiled cache) and links.
    pub fn load(path: &Path, opts: &HostOptions, transport: Transport) -> Result<P3Host> {
        let engine = engine_with(opts.pooling, opts.max_instances)?;
        let component = load_component(&engine, path, opts)?;
        P3Host::from_component(engine, component, transport)
    }

    /// Links an already compiled component.
    pub fn from_component(engine: Engine, component: Component, transport: Transport) -> Result<P3Host> {
        let pre = bindings::PbxP3Pre::new(linker(&engine)?.instantiate_pre(&component)?)?;
        Ok(P3Host { engine, component, pre, transport })
    }

    /// A fresh store (no files, no sockets, no environment).
    fn store(&self) -> Store<HostState> {
        Store::new(&self.engine, HostState::new(WasiCtx::builder().build(), self.transport.clone(), None))
    }

    /// `sip-online` on a fresh instance: the logins online, or the
    /// component's error message. `base_url` is `http://` or `https://`;
    /// `timeout_ms` the component's own deadline for the whole exchange.
    pub async fn sip_online(&self, auth_key: &str, base_url: &str, timeout_ms: u32) -> Result<Vec<String>> {
        let mut store = self.store();
        let guest = self.pre.instantiate_async(&mut store).await?;
        call(&mut store, &guest, auth_key, base_url, timeout_ms).await
    }

    /// One instance in its own store, for call after call.
    pub async fn reused(&self) -> Result<P3Reused> {
        let mut store = self.store();
        let guest = self.pre.instantiate_async(&mut store).await?;
        Ok(P3Reused { store, guest })
    }
}

/// One p3 instance that serves many calls ([`P3Host::reused`]).
pub struct P3Reused {
    store: Store<HostState>,
    guest: bindings::PbxP3,
}

impl P3Reused {
    /// `sip-online` on this instance (see [`P3Host::sip_online`]).
    pub async fn sip_online(&mut self, auth_key: &str, base_url: &str, timeout_ms: u32) -> Result<Vec<String>> {
        call(&mut self.store, &self.guest, auth_key, base_url, timeout_ms).await
    }
}

/// The linker of the p3 component: WASI p3 (no files, no sockets given by
/// the context) and WASI HTTP p3. (The component is `no_std`, so it imports
/// nothing of WASI 0.2.)
pub fn linker(engine: &Engine) -> Result<Linker<HostState>> {
    let mut linker = Linker::<HostState>::new(engine);
    wasmtime_wasi::p3::add_to_linker(&mut linker)?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
    Ok(linker)
}

/// Calls the async export in the store's event loop (`run_concurrent`).
async fn call(
    store: &mut Store<HostState>,
    guest: &bindings::PbxP3,
    auth_key: &str,
    base_url: &str,
    timeout_ms: u32,
) -> Result<Vec<String>> {
    let cfg = Config { auth_key: auth_key.into(), base_url: Some(base_url.into()), timeout_ms: Some(timeout_ms) };
    let ringostat = guest.telephony_pbx_p3_ringostat();
    let out = store.run_concurrent(async move |accessor| ringostat.call_sip_online(accessor, cfg).await).await??;
    out.map_err(|e| anyhow!("sip-online (p3): {e}"))
}
