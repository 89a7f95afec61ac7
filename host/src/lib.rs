//! A wasmtime host for `pbx-component`: the embedding library (the `pbx-host`
//! binary, `src/main.rs`, is its CLI). The test host (mock provider, test
//! kit, integration tests, benchmark) is the `host-test` crate, apart.
//!
//! What a Rust host needs:
//! - [`Host`] compiles (or loads from the precompiled [`cache`]) the component
//!   once and keeps one [`PbxPre`](bindings::PbxPre); every call gets a fresh,
//!   cheap instance, as a gateway would run it. [`engine`] is the engine
//!   configuration; [`HostOptions`] its knobs.
//! - [`transport`] decides where the component's `wasi:http` requests go: the
//!   network (wasmtime's sender, a pooled keep-alive client, or the sender
//!   guarded by a [`guard`] policy at connect time), or a handler of the
//!   embedder's own ([`transport::OutgoingHook`]: a test double, a recorder).
//! - [`dynamic`] calls any export by name with JSON arguments (the CLI);
//!   [`Host::call`] does it with optional warm-instance reuse.
//! - [`instances`] bounds the live instances (calls past the limit wait in
//!   line) and keeps the idle warm ones.
//! - [`serve`] serves the HTTP gateway component (`pbx_gateway.wasm`);
//!   [`client`] is a small keep-alive client for a served gateway.
//! - `p3` (feature `p3`, experimental): the WASI 0.3 variant of Ringostat
//!   `sip-online` (`pbx_p3.wasm`), for the benchmark only.

#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod cache;
pub mod client;
pub mod dynamic;
pub mod guard;
pub mod instances;
pub mod outbound;
#[cfg(feature = "p3")]
pub mod p3;
pub mod serve;
pub mod transport;

use anyhow::{Context, Result};
use instances::{Instances, Reuse};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;
use wasmtime::component::{Component, Instance, Linker, ResourceTable};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
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
/// The gateway's outbound policy (`PBX_ALLOWED_HOSTS`): `egress::Policy::parse`
/// and `allows_addr` for connect-time checks of resolved addresses.
pub use pbx_egress as egress;
pub use transport::{FnHook, OutgoingHook, Transport};

/// Where the built component is, relative to the workspace root.
pub const DEFAULT_COMPONENT: &str = "target/wasm32-wasip2/release/pbx_component.wasm";

/// The component path: `$PBX_COMPONENT`, else the release build under
/// `$CARGO_TARGET_DIR`, else [`DEFAULT_COMPONENT`] under the workspace root.
pub fn component_path() -> PathBuf {
    built_wasm(std::env::var_os("PBX_COMPONENT"), DEFAULT_COMPONENT)
}

/// Where a built wasm file is: `overridden` if given, else the file of
/// `default` (a path under the workspace root's `target/`) under
/// `$CARGO_TARGET_DIR`, else `default` under the workspace root.
pub fn built_wasm(overridden: Option<std::ffi::OsString>, default: &str) -> PathBuf {
    if let Some(p) = overridden {
        return PathBuf::from(p);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => Path::new(&dir).join(default.strip_prefix("target/").unwrap_or(default)),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(default),
    }
}

/// The state of one store: WASI (no files, no sockets), WASI HTTP, the
/// transport hooks and the instance slot the store holds.
pub struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    transport: Transport,
    /// The slot of [`Host::instances`] this store's instance uses, released
    /// when the store drops.
    _slot: Option<OwnedSemaphorePermit>,
}

impl HostState {
    /// A state with `wasi` (environment, if any, set by the caller).
    pub fn new(wasi: WasiCtx, transport: Transport, slot: Option<OwnedSemaphorePermit>) -> HostState {
        HostState { wasi, http: WasiHttpCtx::new(), table: ResourceTable::new(), transport, _slot: slot }
    }
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
#[derive(Clone, Debug)]
pub struct HostOptions {
    /// Use the pooling instance allocator.
    pub pooling: bool,
    /// Where precompiled artifacts are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Instances alive at once (default [`DEFAULT_MAX_INSTANCES`]): the
    /// pooling allocator gets slots for this many, and a call past it waits
    /// in line for a slot (see [`instances`]).
    pub max_instances: u32,
    /// How long a call waits for an instance slot before it fails with
    /// [`instances::QueueTimeout`] (default [`DEFAULT_QUEUE_TIMEOUT`]).
    pub queue_timeout: Duration,
    /// Warm-instance reuse ([`Host::call`], the gateway); `None` (the
    /// default) gives every call a fresh instance.
    pub reuse: Option<Reuse>,
}

/// The default instance limit: a gateway's concurrency, not more (each
/// pooled slot reserves address space, which the engine start pays).
pub const DEFAULT_MAX_INSTANCES: u32 = 256;
/// The default wait for an instance slot: longer than any provider call's
/// default deadline (30 s), so a queued call fails only when the host is
/// overloaded for good.
pub const DEFAULT_QUEUE_TIMEOUT: Duration = Duration::from_secs(60);

impl Default for HostOptions {
    fn default() -> HostOptions {
        HostOptions {
            pooling: false,
            cache_dir: None,
            max_instances: DEFAULT_MAX_INSTANCES,
            queue_timeout: DEFAULT_QUEUE_TIMEOUT,
            reuse: None,
        }
    }
}

impl HostOptions {
    /// Pooling on, cache in the workspace's `target/pbx-cache`.
    pub fn fast() -> HostOptions {
        HostOptions { pooling: true, cache_dir: Some(cache::default_dir()), ..HostOptions::default() }
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
    /// The instance gate and the idle warm instances, shared with every
    /// component served from this engine (the gateway's too).
    pub instances: Arc<Instances>,
    /// Slots one instance of the component takes (see [`slot_weight`]).
    pub weight: u32,
}

/// Export indices of the `ringostat` interface.
pub type RingostatIndices = bindings::exports::telephony::pbx::ringostat::GuestIndices;
/// The `ringostat` exports of one instance.
pub type Ringostat = bindings::exports::telephony::pbx::ringostat::Guest;

/// Core instances, memories and tables one pooled slot provides: the
/// library uses 1 memory and 1 table; the gateway (the HTTP face composed
/// with the library) 2 memories and more tables. A component needing more
/// takes several slots ([`slot_weight`]).
pub const SLOT_CORE_INSTANCES: u32 = 8;
/// Memories per slot (see [`SLOT_CORE_INSTANCES`]).
pub const SLOT_MEMORIES: u32 = 2;
/// Tables per slot (see [`SLOT_CORE_INSTANCES`]).
pub const SLOT_TABLES: u32 = 4;

/// The engine configuration every host uses, with the default instance limit.
pub fn engine(pooling: bool) -> Result<Engine> {
    engine_with(pooling, DEFAULT_MAX_INSTANCES)
}

/// The slots one instance of `component` takes: enough for its memories and
/// tables (1 for the library and the gateway).
pub fn slot_weight(component: &Component) -> u32 {
    match component.resources_required() {
        Some(r) => r.num_memories.div_ceil(SLOT_MEMORIES).max(r.num_tables.div_ceil(SLOT_TABLES)).max(1),
        None => 1,
    }
}

/// Bytes of each pooled linear memory kept resident between instances
/// where the kernel has `PAGEMAP_SCAN` (see [`engine_tuned`]): more than the
/// library's initial memory (data, 1 MiB stack, 512 KiB heap arena), so a
/// slot's reset never gives pages back to the kernel.
pub const KEEP_RESIDENT_MEMORY: usize = 4 << 20;
/// Bytes of each pooled table kept resident the same way.
pub const KEEP_RESIDENT_TABLE: usize = 64 << 10;

/// Whether this machine can reset pooled slots by scanning for dirty pages
/// (Linux 6.7+ `PAGEMAP_SCAN`), which [`engine_with`] then uses.
pub fn keep_resident_available() -> bool {
    PoolingAllocationConfig::is_pagemap_scan_available()
}

/// The engine, its pooling allocator (when on) sized for `max_instances`
/// live instances, keeping pooled slots resident where
/// [`keep_resident_available`].
pub fn engine_with(pooling: bool, max_instances: u32) -> Result<Engine> {
    engine_tuned(pooling, max_instances, keep_resident_available())
}

/// [`engine_with`], choosing whether pooled slots stay resident.
///
/// With `keep_resident`, a slot freed by an instance is reset by finding the
/// pages it dirtied (`PAGEMAP_SCAN`) and copying them back from the
/// component's initial image, up to [`KEEP_RESIDENT_MEMORY`]; the next
/// instance in the slot then takes no page faults. Without it, the slot is
/// given back to the kernel (`madvise`) and every page an instance touches
/// faults in again. Measured by the benchmark (BENCHMARKS.md, both engines in
/// one run). Where `PAGEMAP_SCAN` is missing, keeping memory resident would
/// reset it with a `memset` of the whole kept size, which measured slower
/// than `madvise`, so [`engine_with`] leaves it off there; asking for it
/// there fails.
pub fn engine_tuned(pooling: bool, max_instances: u32, keep_resident: bool) -> Result<Engine> {
    let mut config = Config::new();
    // Profiling aid (feature `perfmap`, off in the shipped build): with
    // `PBX_HOST_PERFMAP` set, the compiled wasm functions are named in
    // /tmp/perf-PID.map for `perf report` (BENCHMARKS.md, "Profiling").
    #[cfg(feature = "perfmap")]
    if std::env::var_os("PBX_HOST_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    if pooling {
        let n = max_instances.max(1);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(n);
        pool.total_core_instances(n.saturating_mul(SLOT_CORE_INSTANCES));
        pool.total_stacks(n);
        pool.total_memories(n.saturating_mul(SLOT_MEMORIES));
        pool.total_tables(n.saturating_mul(SLOT_TABLES));
        // 64 MiB per linear memory: the least the component and the gateway
        // need for every input inside their caps (README, "Memory a host
        // must give"; measured at this limit by tests/it/caps.rs).
        pool.max_memory_size(64 << 20);
        if keep_resident {
            pool.pagemap_scan(Enabled::Yes);
            pool.linear_memory_keep_resident(KEEP_RESIDENT_MEMORY);
            pool.table_keep_resident(KEEP_RESIDENT_TABLE);
        }
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
        let engine = engine_with(opts.pooling, opts.max_instances)?;
        let component = load_component(&engine, path, opts)?;
        Host::from_component_with(engine, component, opts)
    }

    /// Links an already compiled component (default instance limit, no reuse).
    pub fn from_component(engine: Engine, component: Component) -> Result<Host> {
        Host::from_component_with(engine, component, &HostOptions::default())
    }

    /// Links an already compiled component with the limit and reuse of `opts`.
    pub fn from_component_with(engine: Engine, component: Component, opts: &HostOptions) -> Result<Host> {
        let linker = linker(&engine)?;
        let instance_pre = linker.instantiate_pre(&component)?;
        let ringostat_indices = RingostatIndices::new(&instance_pre)?;
        let pre = bindings::PbxPre::new(instance_pre)?;
        let instances = Arc::new(Instances::new(opts.max_instances.max(1), opts.queue_timeout, opts.reuse));
        let weight = slot_weight(&component);
        Ok(Host { engine, component, pre, ringostat_indices, instances, weight })
    }

    /// A new store whose HTTP goes through `transport`. It holds no slot of
    /// the instance limit: [`Host::instance`], [`Host::instantiate`],
    /// [`Host::ringostat`] and [`Host::call`] queue for one.
    pub fn store(&self, transport: Transport) -> Store<HostState> {
        Store::new(&self.engine, HostState::new(WasiCtx::builder().build(), transport, None))
    }

    /// A new store holding a slot: waits in line when all are taken, and
    /// fails with [`instances::QueueTimeout`] after the queue timeout.
    pub async fn slotted_store(&self, transport: Transport) -> Result<Store<HostState>> {
        let slot = self.instances.permit(self.weight).await?;
        Ok(Store::new(&self.engine, HostState::new(WasiCtx::builder().build(), transport, Some(slot))))
    }

    /// A fresh instance in a fresh store.
    pub async fn instance(&self, transport: Transport) -> Result<Session> {
        let mut store = self.slotted_store(transport).await?;
        let pbx = self.pre.instantiate_async(&mut store).await?;
        Ok(Session { store, pbx })
    }

    /// A fresh store and a raw instance from the one `InstancePre`.
    pub async fn instantiate(&self, transport: Transport) -> Result<(Store<HostState>, Instance)> {
        let mut store = self.slotted_store(transport).await?;
        let instance = self.pre.instance_pre().instantiate_async(&mut store).await?;
        Ok((store, instance))
    }

    /// Calls `interface.function` with JSON arguments (see [`dynamic`]).
    ///
    /// With [`HostOptions::reuse`] set, the instance may be a warm one that
    /// served earlier calls, under this rule: **same interface, same
    /// transport, and the same `cfg` (compared by SHA-256 of its canonical
    /// JSON, so the same credentials and the same provider URL)**. What an
    /// instance keeps between calls (the RingMe token cache, the
    /// Ringostat JSON-RPC id counter) is therefore only ever seen by calls
    /// with those same credentials: never across tenants. A call that
    /// failed (trap or argument error) drops its instance; an instance
    /// serves at most [`Reuse::max_calls`] calls.
    pub async fn call(&self, transport: &Transport, function: &str, args: &Value) -> Result<Value> {
        let key = self.instances.reuse().map(|_| reuse_key(transport, function, args));
        let warm = key.as_deref().and_then(|k| self.instances.take::<(Store<HostState>, Instance)>(k));
        let ((mut store, instance), calls) = match warm {
            Some(found) => found,
            None => (self.instantiate(transport.clone()).await?, 0),
        };
        let func = dynamic::find(&mut store, &instance, function)?;
        let out = dynamic::call(&mut store, func, args).await?;
        if let Some(key) = key {
            self.instances.park(key, (store, instance), calls + 1);
        }
        Ok(out)
    }

    /// The fast path a gateway uses: a fresh instance with only the
    /// `ringostat` exports loaded (the typed [`Session`] loads and
    /// type-checks every export of every interface).
    pub async fn ringostat(&self, transport: Transport) -> Result<(Store<HostState>, Ringostat)> {
        let (mut store, instance) = self.instantiate(transport).await?;
        let guest = self.ringostat_indices.load(&mut store, &instance)?;
        Ok((store, guest))
    }
}

/// The linker every component of this host gets: WASI (whose context gives
/// no files, no sockets, and an environment only where the caller sets one)
/// and WASI HTTP.
pub fn linker(engine: &Engine) -> Result<Linker<HostState>> {
    let mut linker = Linker::<HostState>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    Ok(linker)
}

/// Reads and compiles (or loads from the precompiled cache) a component.
pub fn load_component(engine: &Engine, path: &Path, opts: &HostOptions) -> Result<Component> {
    let bytes = std::fs::read(path).with_context(|| {
        format!("reading the component {} (build it first: ./dev build, or ./dev test's setup)", path.display())
    })?;
    match &opts.cache_dir {
        Some(dir) => cache::load(engine, &bytes, dir),
        None => Ok(Component::new(engine, &bytes)?),
    }
}

/// The warm-instance key of a library call: interface, transport and the
/// SHA-256 of the canonical JSON of `cfg` (no secret in the key itself).
fn reuse_key(transport: &Transport, function: &str, args: &Value) -> String {
    let iface = function.split('.').next().unwrap_or("");
    let mut canonical = String::new();
    write_canonical(args.get(pbx_convention::CONFIG_PARAM).unwrap_or(&Value::Null), &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("lib|{iface}|{}|{hex}", transport.id())
}

/// JSON with object keys sorted at every level (equal configs, equal text).
fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// One instance and its store.
pub struct Session {
    /// The store.
    pub store: Store<HostState>,
    /// The typed exports.
    pub pbx: bindings::Pbx,
}
