//! `pbx-host serve`: the HTTP gateway component (`pbx_gateway.wasm`, a
//! `wasi:http/proxy` component) served by this host, as `wasmtime serve`
//! does it: wasmtime-wasi-http's incoming side (`ProxyPre`,
//! `new_incoming_request`, `new_response_outparam`) behind a hyper HTTP/1.1
//! server on a tokio `TcpListener`, on the [`Host`]'s pooled engine and
//! instance limit.
//!
//! - **Settings:** the gateway reads `wasi:cli/environment`; it gets the
//!   `PBX_*` variables given in [`ServeOptions::env`] and nothing else.
//! - **Transport:** its outgoing requests go through [`ServeOptions::transport`]
//!   (the CLI: the built-in mock, or the network with `--real`).
//! - **Instance limit:** a request past [`HostOptions::max_instances`](crate::HostOptions)
//!   waits in line; after the queue timeout it is answered `503` with
//!   `{"error": {"kind": "overloaded", "message": ...}}` naming the limit.
//! - **Warm instances** (with [`HostOptions::reuse`](crate::HostOptions)): the
//!   rule is **a request that brings no `cfg` of its own** (its body, at most
//!   [`INSPECT_CAP`] bytes, is a JSON object without `cfg`, or `null` for it;
//!   or a bodiless `GET`) may be served by a warm instance that served
//!   such requests on the same interface (`/v1/<interface>/...`) before.
//!   Those requests all run on the server-held credentials, so what an
//!   instance keeps (the RingMe token cache, the Ringostat JSON-RPC id
//!   counter) belongs to the server's one tenant. A request with its own
//!   `cfg`, a body the host cannot read as such a JSON object, or a larger or
//!   streamed body gets a fresh instance that is dropped afterwards: a
//!   caller's credentials never meet another request's state. A warm
//!   instance serves at most [`Reuse::max_calls`](crate::instances::Reuse)
//!   requests and is dropped once idle for [`Reuse::max_idle`](crate::instances::Reuse)
//!   (the server sweeps every second).

use crate::instances::{Instances, QueueTimeout};
use crate::{linker, load_component, slot_weight, Host, HostOptions, HostState, Transport};
use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use wasmtime::component::Component;
use wasmtime::{Engine, Store};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyPre};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiBody, WasiHttpView};

/// Where the gateway component is built, relative to the workspace root.
pub const DEFAULT_GATEWAY: &str = "target/wasm32-wasip2/release/pbx_gateway.wasm";

/// Bodies up to this size are read by the host to apply the warm-instance
/// rule (a call without `cfg` is a few hundred bytes); larger or streamed
/// ones are passed through to a fresh instance.
pub const INSPECT_CAP: usize = 64 * 1024;

/// The gateway path: the release build under `$CARGO_TARGET_DIR`, else
/// [`DEFAULT_GATEWAY`] under the workspace root.
pub fn gateway_path() -> PathBuf {
    crate::built_wasm(None, DEFAULT_GATEWAY)
}

/// What the served gateway gets.
#[derive(Clone)]
pub struct ServeOptions {
    /// Its environment; only the `PBX_*` entries are passed on.
    pub env: Vec<(String, String)>,
    /// Where its outgoing requests go.
    pub transport: Transport,
}

impl ServeOptions {
    /// The `PBX_*` variables of this process's environment and `transport`.
    pub fn from_process_env(transport: Transport) -> ServeOptions {
        ServeOptions { env: std::env::vars().collect(), transport }
    }
}

/// The loaded gateway component, ready to serve requests.
pub struct Gateway {
    engine: Engine,
    pre: ProxyPre<HostState>,
    instances: Arc<Instances>,
    weight: u32,
    env: Vec<(String, String)>,
    transport: Transport,
}

/// One live gateway instance and its store.
type Live = (Store<HostState>, Proxy);

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
        let env = serve.env.into_iter().filter(|(k, _)| k.starts_with("PBX_")).collect();
        Ok(Gateway {
            engine: host.engine.clone(),
            pre,
            instances: host.instances.clone(),
            weight: slot_weight(&component),
            env,
            transport: serve.transport,
        })
    }

    /// A fresh instance in a store holding a slot (waiting in line for one).
    async fn fresh(&self) -> Result<Live> {
        let slot = self.instances.permit(self.weight).await?;
        let wasi = WasiCtx::builder().envs(&self.env).build();
        let mut store = Store::new(&self.engine, HostState::new(wasi, self.transport.clone(), Some(slot)));
        let proxy = self.pre.instantiate_async(&mut store).await?;
        Ok((store, proxy))
    }

    /// Serves one request (see the module doc for the instance rule).
    /// Host-side failures are answered here: `503` when no instance slot
    /// became free in time, `500` when the component failed.
    pub async fn handle<B>(self: &Arc<Self>, req: http::Request<B>) -> http::Response<HyperOutgoingBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        match self.try_handle(req).await {
            Ok(response) => response,
            Err(e) => match e.downcast_ref::<QueueTimeout>() {
                Some(q) => failure(503, "overloaded", &q.to_string()),
                None => {
                    // The text stays in the server's log; the answer names no
                    // internals (a trap message could quote guest memory).
                    eprintln!("pbx-host serve: {e:#}");
                    failure(500, "host", "the gateway component failed on this request")
                }
            },
        }
    }

    async fn try_handle<B>(self: &Arc<Self>, req: http::Request<B>) -> Result<http::Response<HyperOutgoingBody>>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let (parts, body) = req.into_parts();
        let body: WasiBody = body.map_err(Into::into).boxed_unsync();
        let (key, body) = match self.instances.reuse() {
            Some(_) => warm_key(&parts, body).await?,
            None => (None, body),
        };
        let warm = key.as_deref().and_then(|k| self.instances.take::<Live>(k));
        let ((mut store, proxy), calls) = match warm {
            Some(found) => found,
            None => (self.fresh().await?, 0),
        };
        let (tx, rx) = oneshot::channel();
        let req = store.data_mut().http().new_incoming_request(Scheme::Http, http::Request::from_parts(parts, body))?;
        let out = store.data_mut().http().new_response_outparam(tx)?;
        let this = self.clone();
        // The call runs in its own task: the guest may keep writing the body
        // after it has set the response.
        let task = tokio::spawn(async move {
            proxy.wasi_http_incoming_handler().call_handle(&mut store, req, out).await?;
            if let Some(key) = key {
                this.instances.park(key, (store, proxy), calls + 1);
            }
            Ok::<(), anyhow::Error>(())
        });
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

/// The warm-instance key of a request (see the module doc), and its body
/// (read into memory when the host had to look at it).
async fn warm_key(parts: &http::request::Parts, body: WasiBody) -> Result<(Option<String>, WasiBody)> {
    let iface = interface_of(parts.uri.path());
    let length = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let chunked = parts.headers.contains_key(http::header::TRANSFER_ENCODING);
    match length {
        _ if chunked => Ok((None, body)),
        None | Some(0) if parts.method == http::Method::GET || parts.method == http::Method::HEAD => {
            Ok((Some(format!("gw|{iface}")), body))
        }
        Some(n) if n > 0 && n <= INSPECT_CAP => {
            let bytes = Limited::new(body, INSPECT_CAP)
                .collect()
                .await
                .map_err(|e| anyhow!("reading the request body: {e}"))?
                .to_bytes();
            let own_cfg = match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(o)) => o.get("cfg").is_some_and(|c| !c.is_null()),
                _ => true,
            };
            let key = (!own_cfg).then(|| format!("gw|{iface}"));
            Ok((key, Full::new(bytes).map_err(|never| match never {}).boxed_unsync()))
        }
        _ => Ok((None, body)),
    }
}

/// `ringostat` of `/v1/ringostat/sip-online`; `-` for other paths.
fn interface_of(path: &str) -> &str {
    let mut segments = path.trim_start_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("v1"), Some(iface), Some(_)) if !iface.is_empty() => iface,
        _ => "-",
    }
}

/// A host-side failure in the gateway's error shape.
fn failure(status: u16, kind: &str, message: &str) -> http::Response<HyperOutgoingBody> {
    let body = serde_json::json!({ "error": { "kind": kind, "message": message } }).to_string();
    let mut builder = http::Response::builder().status(status).header("content-type", "application/json");
    if status == 503 {
        // A slot frees as soon as any call in flight ends.
        builder = builder.header("retry-after", "1");
    }
    builder.body(Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed_unsync()).unwrap_or_else(|_| {
        http::Response::new(http_body_util::Empty::new().map_err(|never| match never {}).boxed_unsync())
    })
}

/// A running server.
pub struct Server {
    /// The address it listens on (the port chosen when 0 was asked).
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds `addr` (port 0: an ephemeral port) and serves `gateway` on it
    /// (HTTP/1.1, keep-alive) until [`Server::stop`].
    pub async fn start(gateway: Arc<Gateway>, addr: SocketAddr) -> Result<Server> {
        let listener = TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // Drops warm instances idle past `Reuse::max_idle` while no
            // request comes to do it.
            let mut sweep = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                let accepted = tokio::select! {
                    _ = &mut stopped => break,
                    _ = sweep.tick() => {
                        gateway.instances.expire();
                        continue;
                    }
                    accepted = listener.accept() => accepted,
                };
                let Ok((stream, _)) = accepted else { continue };
                // Small request/response exchanges: no Nagle delay.
                let _ = stream.set_nodelay(true);
                let gateway = gateway.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let gateway = gateway.clone();
                        async move { Ok::<_, std::convert::Infallible>(gateway.handle(req).await) }
                    });
                    // A client that goes away mid-request is not the server's error.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Server { addr, stop: Some(stop), task })
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Serves until the accept loop ends (the CLI: until killed).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}
