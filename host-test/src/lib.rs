//! A wasmtime host for `pbx-component`.
//!
//! - [`Host`] compiles (or loads from the precompiled cache) the component
//!   once and keeps one [`PbxPre`](bindings::PbxPre); every call gets a fresh,
//!   cheap instance, as a gateway would run it.
//! - [`transport`] decides where the component's `wasi:http` requests go: a
//!   [`mock::MockProvider`] that records them, or the network.
//! - [`dynamic`] calls any export by name with JSON arguments (the CLI).

#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod cache;
pub mod dynamic;
pub mod mock;
pub mod transport;

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Typed bindings of the `telephony:pbx/pbx` world. The items are generated
/// from `wit/`, whose doc comments document them.
#[allow(missing_docs)]
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "pbx",
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
        require_store_data_send: true,
    });
}

pub use bindings::exports::telephony::pbx::types::Error as PbxError;
pub use transport::Transport;

/// Where the built component is, relative to the workspace root.
pub const DEFAULT_COMPONENT: &str = "target/wasm32-wasip2/release/pbx_component.wasm";

/// The component path: `$PBX_COMPONENT`, else the release build under
/// `$CARGO_TARGET_DIR`, else [`DEFAULT_COMPONENT`] under the workspace root.
pub fn component_path() -> PathBuf {
    if let Some(p) = std::env::var_os("PBX_COMPONENT") {
        return PathBuf::from(p);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => Path::new(&dir).join("wasm32-wasip2/release/pbx_component.wasm"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(DEFAULT_COMPONENT),
    }
}

/// The state of one store: WASI (no files, no sockets), WASI HTTP and the
/// transport hooks.
pub struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    transport: Transport,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.transport }
    }
}

/// How to build the engine.
#[derive(Clone, Debug, Default)]
pub struct HostOptions {
    /// Use the pooling instance allocator.
    pub pooling: bool,
    /// Where precompiled artifacts are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
}

impl HostOptions {
    /// Pooling on, cache in the workspace's `target/pbx-cache`.
    pub fn fast() -> HostOptions {
        HostOptions { pooling: true, cache_dir: Some(cache::default_dir()) }
    }
}

/// A loaded component, ready to instantiate many times.
pub struct Host {
    /// The engine.
    pub engine: Engine,
    /// The compiled component.
    pub component: Component,
    /// Linked once, instantiated per call.
    pub pre: bindings::PbxPre<HostState>,
    /// Export indices of `ringostat`, resolved once (the fast path of
    /// [`Host::ringostat`] type-checks only this interface per instance).
    pub ringostat_indices: RingostatIndices,
}

/// Export indices of the `ringostat` interface.
pub type RingostatIndices = bindings::exports::telephony::pbx::ringostat::GuestIndices;
/// The `ringostat` exports of one instance.
pub type Ringostat = bindings::exports::telephony::pbx::ringostat::Guest;

/// The engine configuration every host uses.
pub fn engine(pooling: bool) -> Result<Engine> {
    let mut config = Config::new();
    if pooling {
        let mut pool = PoolingAllocationConfig::default();
        // Slots for 256 live instances: a gateway's concurrency, not more
        // (each slot reserves address space, which the engine start pays).
        pool.total_component_instances(256);
        pool.total_core_instances(768);
        pool.total_stacks(256);
        pool.total_memories(256);
        pool.total_tables(256);
        pool.max_memory_size(64 << 20);
        // No `linear_memory_keep_resident`: measured, resetting kept pages
        // with memset costs more per call than decommitting them.
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Ok(Engine::new(&config)?)
}

impl Host {
    /// Loads the component at [`component_path`] with [`HostOptions::fast`].
    pub fn load_default() -> Result<Host> {
        Host::load(&component_path(), &HostOptions::fast())
    }

    /// Loads (compiling, or reading the precompiled cache) and links.
    pub fn load(path: &Path, opts: &HostOptions) -> Result<Host> {
        let engine = engine(opts.pooling)?;
        let bytes = std::fs::read(path).with_context(|| {
            format!("reading the component {} (build it: cargo build --release --target wasm32-wasip2)", path.display())
        })?;
        let component = match &opts.cache_dir {
            Some(dir) => cache::load(&engine, &bytes, dir)?,
            None => Component::new(&engine, &bytes)?,
        };
        Host::from_component(engine, component)
    }

    /// Links an already compiled component.
    pub fn from_component(engine: Engine, component: Component) -> Result<Host> {
        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        let instance_pre = linker.instantiate_pre(&component)?;
        let ringostat_indices = RingostatIndices::new(&instance_pre)?;
        let pre = bindings::PbxPre::new(instance_pre)?;
        Ok(Host { engine, component, pre, ringostat_indices })
    }

    /// A new store whose HTTP goes through `transport`.
    pub fn store(&self, transport: Transport) -> Store<HostState> {
        let state = HostState {
            wasi: WasiCtx::builder().build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            transport,
        };
        Store::new(&self.engine, state)
    }

    /// A fresh instance in a fresh store.
    pub async fn instance(&self, transport: Transport) -> Result<Session> {
        let mut store = self.store(transport);
        let pbx = self.pre.instantiate_async(&mut store).await?;
        Ok(Session { store, pbx })
    }

    /// A fresh store and a raw instance from the one `InstancePre`.
    pub async fn instantiate(&self, transport: Transport) -> Result<(Store<HostState>, wasmtime::component::Instance)> {
        let mut store = self.store(transport);
        let instance = self.pre.instance_pre().instantiate_async(&mut store).await?;
        Ok((store, instance))
    }

    /// The fast path a gateway uses: a fresh instance with only the
    /// `ringostat` exports loaded (the typed [`Session`] loads and
    /// type-checks every export of every interface).
    pub async fn ringostat(&self, transport: Transport) -> Result<(Store<HostState>, Ringostat)> {
        let (mut store, instance) = self.instantiate(transport).await?;
        let guest = self.ringostat_indices.load(&mut store, &instance)?;
        Ok((store, guest))
    }

    /// A fresh instance whose requests go to `mock`.
    pub async fn mocked(&self, mock: &Arc<mock::MockProvider>) -> Result<Session> {
        self.instance(Transport::Mock(mock.clone())).await
    }
}

/// One instance and its store.
pub struct Session {
    /// The store.
    pub store: Store<HostState>,
    /// The typed exports.
    pub pbx: bindings::Pbx,
}
