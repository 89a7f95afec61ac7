//! The loaded gateway component ([`Gateway`]) and how it serves one request:
//! the token guess, the body budget, the instance (warm or fresh), the call.

use super::failure::failure;
use super::options::{ServeOptions, Timeouts, BODY_CAP};
use super::poll::counted;
use super::warm::warm_key;
use crate::instances::{Instances, QueueTimeout};
use crate::{linker, load_component, slot_weight, Host, HostOptions, HostState, Transport};
use anyhow::{anyhow, bail, Result};
use bytes::Bytes;
use hyper::body::Body;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{oneshot, OwnedSemaphorePermit};
use wasmtime::component::Component;
use wasmtime::{Engine, Store};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyPre};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

/// The loaded gateway component, ready to serve requests.
#[derive(Clone)]
pub struct Gateway {
    engine: Engine,
    pre: ProxyPre<HostState>,
    pub(super) instances: Arc<Instances>,
    weight: u32,
    pub(super) env: Vec<(String, String)>,
    pub(super) transport: Transport,
    pub(super) timeouts: Timeouts,
    /// [`ServeOptions::busy_poll`].
    pub(super) busy_poll: std::time::Duration,
    /// Body bytes buffered at once across all requests, in KiB permits
    /// ([`BUFFERED_BODIES`]).
    buffered: Arc<tokio::sync::Semaphore>,
    /// `PBX_GATEWAY_TOKEN`, to skip reading the body of a request that
    /// does not carry it (the gateway refuses it without reading).
    token: Option<String>,
    /// This gateway among those sharing a host's warm pool: a warm
    /// instance's store holds its gateway's environment (settings,
    /// credentials), so it is parked and taken under its gateway's id
    /// ([`GATEWAY_IDS`]). The threads of one gateway share it.
    id: u64,
}

/// Where [`Gateway`] ids come from: one per [`Gateway::from_component`].
static GATEWAY_IDS: AtomicU64 = AtomicU64::new(0);

/// Request bodies held in memory at once, across all connections: 256 MiB
/// (32 bodies at the 8 MiB cap). Reading the whole body before taking an
/// instance moved the bound from instances to memory: 20 connections
/// sending 8 MiB bodies and stalling held 8.2 MB each (review probe, VmRSS
/// 27 -> 192 MB). Past the budget a body waits for room within the body
/// timeout, then `503 overloaded`.
pub const BUFFERED_BODIES: usize = 256 * 1024 * 1024;

/// One live gateway instance, its store and its slot of the instance
/// limit. The slot is a field of its own, declared (so dropped) after the
/// store: wasmtime drops a store's data before it frees the store's pooled
/// instance, so a slot held in the data ([`HostState`]) was given back
/// while its pool entry was still taken, and a request on another thread
/// taking it then failed with the pool's "maximum concurrent limit"
/// (11 to 58 of 600 overlapping requests, serving on two threads).
struct Live {
    store: Store<HostState>,
    proxy: Proxy,
    _slot: OwnedSemaphorePermit,
}

impl Gateway {
    /// Loads the gateway at `path` (compiled, or read from the cache of
    /// `opts`) on `host`'s engine, sharing its instance limit and warm pool.
    pub fn load(host: &Host, path: &Path, opts: &HostOptions, serve: ServeOptions) -> Result<Gateway> {
        if !path.exists() {
            bail!(
                "the gateway component {} is missing: build it with `./dev build` (the setup of `./dev test` and \
                 `./dev demo` builds it too)",
                path.display()
            );
        }
        let component = load_component(&host.engine, path, opts)?;
        Gateway::from_component(host, component, serve)
    }

    /// Links an already compiled gateway on `host`'s engine.
    pub fn from_component(host: &Host, component: Component, serve: ServeOptions) -> Result<Gateway> {
        let linker = linker(&host.engine)?;
        let pre = ProxyPre::new(linker.instantiate_pre(&component)?)
            .map_err(|e| anyhow!(e).context("the gateway must export wasi:http/incoming-handler"))?;
        let env: Vec<(String, String)> = serve.env.iter().filter(|(k, _)| k.starts_with("PBX_")).cloned().collect();
        Ok(Gateway {
            engine: host.engine.clone(),
            pre,
            instances: host.instances.clone(),
            weight: slot_weight(&component),
            env,
            transport: serve.transport,
            timeouts: Timeouts { header: serve.header_timeout, body: serve.body_timeout, idle: serve.idle_timeout },
            busy_poll: serve.busy_poll,
            buffered: Arc::new(tokio::sync::Semaphore::new(BUFFERED_BODIES / 1024)),
            token: serve.env.iter().find(|(k, v)| k == "PBX_GATEWAY_TOKEN" && !v.is_empty()).map(|(_, v)| v.clone()),
            id: GATEWAY_IDS.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// The same gateway for one of several serving threads
    /// ([`Server::start_per_core`](super::Server::start_per_core)), sending
    /// through `transport` (its share of [`Transport::split`]): the
    /// instance limit, the warm instances and the body budget are shared,
    /// and warm instances are keyed by the transport's id, so with an
    /// [`Outbound`](crate::outbound::Outbound) transport (a pool per thread) an
    /// instance only ever sends through the pool of the thread that runs
    /// it. (Hooks keep one id: their instances may serve any thread.)
    pub fn for_thread(&self, transport: Transport) -> Gateway {
        Gateway { transport, ..self.clone() }
    }

    /// A fresh instance in a store holding a slot (waiting in line for one).
    async fn fresh(&self) -> Result<Live> {
        let slot = self.instances.permit(self.weight).await?;
        let wasi = WasiCtx::builder().envs(&self.env).build();
        let mut store = Store::new(&self.engine, HostState::new(wasi, self.transport.clone(), None));
        let proxy = self.pre.instantiate_async(&mut store).await?;
        Ok(Live { store, proxy, _slot: slot })
    }

    /// Serves one request (see the [`serve`](super) module doc for the
    /// instance rule).
    /// The body is read whole first, before any instance slot is taken:
    /// `413` past [`BODY_CAP`], `408` when it does not arrive within the
    /// body timeout (both with `Connection: close`). Host-side failures are
    /// answered here: `503` when no instance slot became free in time, `500`
    /// when the component failed.
    pub async fn handle<B>(self: &Arc<Self>, req: http::Request<B>) -> http::Response<HyperOutgoingBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let (parts, body) = req.into_parts();
        // A request without the gateway's token is refused by the gateway
        // before it reads a byte of the body, so its body is not read here
        // either (nor held): an unauthenticated client costs no memory.
        if !self.presents_token(&parts) {
            drop(body);
            return match self.try_handle(parts, Bytes::new()).await {
                Ok(response) => response,
                Err(e) => self.host_failure(e),
            };
        }
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        // Room for the body in the shared budget, held until the answer is
        // set (the body lives in the instance until then).
        let kib = declared.map_or(BODY_CAP, |n| (n as usize).min(BODY_CAP)).div_ceil(1024).max(1) as u32;
        let room = tokio::time::timeout(self.timeouts.body, self.buffered.clone().acquire_many_owned(kib)).await;
        let Ok(Ok(_room)) = room else {
            return failure(503, "overloaded", "too many request bodies in flight; retry shortly");
        };
        let body = match self.read_body(declared, body).await {
            Ok(bytes) => bytes,
            Err(refusal) => return refusal.answer(self.timeouts.body),
        };
        match self.try_handle(parts, body).await {
            Ok(response) => response,
            Err(e) => self.host_failure(e),
        }
    }

    /// A host-side failure as an answer.
    fn host_failure(&self, e: anyhow::Error) -> http::Response<HyperOutgoingBody> {
        match e.downcast_ref::<QueueTimeout>() {
            Some(q) => failure(503, "overloaded", &q.to_string()),
            None => {
                // The text stays in the server's log; the answer names no
                // internals (a trap message could quote guest memory).
                eprintln!("pbx-host serve: {e:#}");
                failure(500, "host", "the gateway component failed on this request")
            }
        }
    }

    /// Whether the request may need its body read: the gateway has no
    /// token (it is then open or closed as a whole), the route needs none
    /// (`/v1/health`, `/v1/openapi.json`), or exactly one `Authorization`
    /// header presents the token. A wrong guess only costs the body: the
    /// gateway itself decides (this is no check of the token, which the
    /// gateway compares in constant time).
    fn presents_token(&self, parts: &http::request::Parts) -> bool {
        let Some(token) = &self.token else { return true };
        if matches!(parts.uri.path(), "/v1/health" | "/v1/openapi.json") {
            return true;
        }
        let mut values = parts.headers.get_all(http::header::AUTHORIZATION).iter();
        match (values.next(), values.next()) {
            (Some(v), None) => {
                let v = v.as_bytes();
                let presented = match v.get(..7) {
                    Some(scheme) if scheme.eq_ignore_ascii_case(b"bearer ") => &v[7..],
                    _ => &[][..],
                };
                // In time that depends only on the token's length, as the
                // gateway's own comparison: no byte-by-byte timing leak.
                let mut diff = presented.len() ^ token.len();
                for (i, t) in token.as_bytes().iter().enumerate() {
                    diff |= usize::from(presented.get(i).copied().unwrap_or(0) ^ t);
                }
                std::hint::black_box(diff) == 0
            }
            _ => false,
        }
    }

    async fn try_handle(
        self: &Arc<Self>,
        parts: http::request::Parts,
        body: Bytes,
    ) -> Result<http::Response<HyperOutgoingBody>> {
        let key = match self.instances.reuse() {
            // The fixed parts first: `k` ends with a path segment the
            // client chose (it may hold `|`).
            Some(_) => warm_key(&parts, &body).map(|k| format!("{}|{}|{k}", self.id, self.transport.id())),
            None => None,
        };
        let warm = key.as_deref().and_then(|k| self.instances.take::<Live>(k));
        let (mut live, calls) = match warm {
            Some(found) => found,
            None => (self.fresh().await?, 0),
        };
        let (tx, rx) = oneshot::channel();
        let body = crate::transport::full_body(body);
        let request = http::Request::from_parts(parts, body);
        let req = live.store.data_mut().http().new_incoming_request(Scheme::Http, request)?;
        let out = live.store.data_mut().http().new_response_outparam(tx)?;
        let this = self.clone();
        // The call runs in its own task: the guest may keep writing the body
        // after it has set the response. Its polls are work to the busy
        // poll (poll.rs).
        let task = tokio::spawn(counted(async move {
            live.proxy.wasi_http_incoming_handler().call_handle(&mut live.store, req, out).await?;
            if let Some(key) = key {
                this.instances.park(key, live, calls + 1);
            }
            Ok::<(), anyhow::Error>(())
        }));
        match rx.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(anyhow!("the gateway answered with the error code {code:?}")),
            Err(_) => match task.await {
                Ok(Ok(())) => bail!("the gateway never set a response"),
                Ok(Err(e)) => Err(e.context("the gateway trapped before setting a response")),
                Err(e) => Err(anyhow!(e).context("the gateway task failed")),
            },
        }
    }
}
