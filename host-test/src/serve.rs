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
//! - **Slow clients:** the host reads the whole request before it takes an
//!   instance slot, so a client that sends slowly holds a connection, never
//!   an instance. The head must arrive within [`ServeOptions::header_timeout`]
//!   and the body (at most [`BODY_CAP`], the gateway's own cap; past it
//!   `413 body-too-large`) within [`ServeOptions::body_timeout`], else
//!   `408` (problem `request-timeout`) with `Connection: close`. A keep-alive connection idle for [`ServeOptions::idle_timeout`]
//!   is closed, and so is one whose answer the client stops reading for
//!   [`ServeOptions::body_timeout`] (that answer's instance is then freed).
//! - **Instance limit:** a request past [`HostOptions::max_instances`](crate::HostOptions)
//!   waits in line; after the queue timeout it is answered `503` (problem
//!   `overloaded`, `application/problem+json`) naming the limit.
//! - **Warm instances** (with [`HostOptions::reuse`](crate::HostOptions)): the
//!   rule is **a request that brings no credential or config of its own,
//!   anywhere in its body** ([`credential_free`]: a JSON object, at most
//!   [`INSPECT_CAP`] bytes, in which no member at any depth is a config or
//!   credential-like field (`cfg`, `auth-key`, `token`, `base-url`,
//!   `server`, ...) with a value, and whose telephony `account`, if any, only
//!   names a provider (`"ringme"`, `{"tring": null}`, `{"ringostat":
//!   {"project-id": "1"}}`); or a bodiless `GET`) may be served by a warm
//!   instance that served such requests on the same interface
//!   (`/v1/<interface>/...`) before. Those requests all run on the
//!   server-held credentials, so what an instance keeps (the RingMe token
//!   cache, the Ringostat JSON-RPC id counter) belongs to the server's one
//!   tenant. Any other request (its own config or credential, a body the host
//!   cannot prove credential-free, a larger one) gets a fresh instance that is
//!   dropped afterwards: a caller's credentials never meet another request's
//!   state. A warm instance serves at most [`Reuse::max_calls`](crate::instances::Reuse)
//!   requests and is dropped once idle for [`Reuse::max_idle`](crate::instances::Reuse)
//!   (the server sweeps every second).
//! - **Open gateway:** with `PBX_GATEWAY_AUTH=none` and no
//!   `PBX_GATEWAY_TOKEN` the gateway answers without a token; [`Server::start`]
//!   then refuses any address but a loopback one ([`open_gateway`]).

use crate::instances::{Instances, QueueTimeout};
use crate::{linker, load_component, slot_weight, Host, HostOptions, HostState, Transport};
use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body;
use serde_json::{Map, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};
use tokio::time::Instant;
use wasmtime::component::Component;
use wasmtime::{Engine, Store};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyPre};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

/// Where the gateway component is built, relative to the workspace root.
pub const DEFAULT_GATEWAY: &str = "target/wasm32-wasip2/release/pbx_gateway.wasm";

/// Bodies up to this size are parsed by the host to apply the warm-instance
/// rule (a call without its own config is a few hundred bytes); larger ones
/// go to a fresh instance without being parsed.
pub const INSPECT_CAP: usize = 64 * 1024;

/// The request body cap: the gateway's own (`BODY_CAP` of
/// `gateway/build.rs`, 8 MiB). The host reads the body before it takes an
/// instance, so it refuses a larger one itself, in the gateway's words.
pub const BODY_CAP: usize = 8 * 1024 * 1024;

/// The default [`ServeOptions::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`ServeOptions::body_timeout`].
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default [`ServeOptions::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

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
    /// How long a request's head (request line and headers) may take to
    /// arrive, from the connection's start or the request's first byte
    /// (default [`DEFAULT_HEADER_TIMEOUT`]).
    pub header_timeout: Duration,
    /// How long a request's body may take to arrive once its head is in;
    /// also how long the client may leave an answer unread (default
    /// [`DEFAULT_BODY_TIMEOUT`]).
    pub body_timeout: Duration,
    /// How long a keep-alive connection may wait for its next request
    /// (default [`DEFAULT_IDLE_TIMEOUT`]).
    pub idle_timeout: Duration,
}

impl ServeOptions {
    /// `env` and `transport` with the default timeouts.
    pub fn new(env: Vec<(String, String)>, transport: Transport) -> ServeOptions {
        ServeOptions {
            env,
            transport,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }

    /// The `PBX_*` variables of this process's environment and `transport`.
    pub fn from_process_env(transport: Transport) -> ServeOptions {
        ServeOptions::new(std::env::vars().collect(), transport)
    }
}

/// How long a connection may take over each phase (see [`ServeOptions`]).
#[derive(Clone, Copy, Debug)]
struct Timeouts {
    header: Duration,
    body: Duration,
    idle: Duration,
}

/// Whether `PBX_GATEWAY_AUTH=none` opens the gateway to requests without a
/// token, and whether `addr` may serve it so: `Ok(None)` when the gateway
/// needs a token (or, without one, is closed), `Ok(Some(warning))` when it
/// is open on a loopback address, an error when it would be open on any
/// other address (a wildcard one included).
///
/// Mirrors the gateway's rule (a set, non-empty `PBX_GATEWAY_TOKEN` wins);
/// `none` is matched without regard to case or surrounding blanks, which
/// can only refuse more often than the gateway opens.
pub fn open_gateway(env: &[(String, String)], addr: SocketAddr) -> Result<Option<String>> {
    let get = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let open = get("PBX_GATEWAY_AUTH").is_some_and(|v| v.trim().eq_ignore_ascii_case("none"));
    if !open || get("PBX_GATEWAY_TOKEN").is_some() {
        return Ok(None);
    }
    if !addr.ip().is_loopback() {
        bail!(
            "refusing to serve the gateway on {addr} with PBX_GATEWAY_AUTH=none and no PBX_GATEWAY_TOKEN: anyone \
             who reaches the address could use the server-held credentials. Set PBX_GATEWAY_TOKEN, or serve on a \
             loopback address (127.0.0.1, ::1) behind a proxy that authenticates"
        );
    }
    Ok(Some(format!(
        "warning: PBX_GATEWAY_AUTH=none and no PBX_GATEWAY_TOKEN: every route of the gateway on {addr} answers \
         without a token (loopback only; set PBX_GATEWAY_TOKEN before exposing it)"
    )))
}

/// The loaded gateway component, ready to serve requests.
pub struct Gateway {
    engine: Engine,
    pre: ProxyPre<HostState>,
    instances: Arc<Instances>,
    weight: u32,
    env: Vec<(String, String)>,
    transport: Transport,
    timeouts: Timeouts,
    /// Body bytes buffered at once across all requests, in KiB permits
    /// ([`BUFFERED_BODIES`]).
    buffered: Arc<tokio::sync::Semaphore>,
    /// `PBX_GATEWAY_TOKEN`, to skip reading the body of a request that
    /// does not carry it (the gateway refuses it without reading).
    token: Option<String>,
}

/// Request bodies held in memory at once, across all connections: 256 MiB
/// (32 bodies at the 8 MiB cap). Reading the whole body before taking an
/// instance moved the bound from instances to memory: 20 connections
/// sending 8 MiB bodies and stalling held 8.2 MB each (review probe, VmRSS
/// 27 -> 192 MB). Past the budget a body waits for room within the body
/// timeout, then `503 overloaded`.
pub const BUFFERED_BODIES: usize = 256 * 1024 * 1024;

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
        let env: Vec<(String, String)> = serve.env.iter().filter(|(k, _)| k.starts_with("PBX_")).cloned().collect();
        Ok(Gateway {
            engine: host.engine.clone(),
            pre,
            instances: host.instances.clone(),
            weight: slot_weight(&component),
            env,
            transport: serve.transport,
            timeouts: Timeouts { header: serve.header_timeout, body: serve.body_timeout, idle: serve.idle_timeout },
            buffered: Arc::new(tokio::sync::Semaphore::new(BUFFERED_BODIES / 1024)),
            token: serve.env.iter().find(|(k, v)| k == "PBX_GATEWAY_TOKEN" && !v.is_empty()).map(|(_, v)| v.clone()),
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

    /// The whole body, within the cap and the body timeout.
    /// `declared`: the request's `Content-Length`, if it has one.
    async fn read_body<B>(&self, declared: Option<u64>, body: B) -> Result<Bytes, Unread>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        // Refused from the declared length without reading a byte.
        if declared.is_some_and(|n| n > BODY_CAP as u64) {
            return Err(Unread::TooLarge);
        }
        let body = Limited::new(body.map_err(Into::<wasmtime_wasi_http::Error>::into), BODY_CAP);
        match tokio::time::timeout(self.timeouts.body, body.collect()).await {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(Unread::TooLarge),
            Ok(Err(_)) => Err(Unread::Broken),
            Err(_) => Err(Unread::Late),
        }
    }

    async fn try_handle(
        self: &Arc<Self>,
        parts: http::request::Parts,
        body: Bytes,
    ) -> Result<http::Response<HyperOutgoingBody>> {
        let key = match self.instances.reuse() {
            Some(_) => warm_key(&parts, &body),
            None => None,
        };
        let warm = key.as_deref().and_then(|k| self.instances.take::<Live>(k));
        let ((mut store, proxy), calls) = match warm {
            Some(found) => found,
            None => (self.fresh().await?, 0),
        };
        let (tx, rx) = oneshot::channel();
        let body = crate::transport::full_body(body);
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

/// Why a request's body was not read whole.
enum Unread {
    /// Over [`BODY_CAP`], declared or as sent.
    TooLarge,
    /// Not in within the body timeout.
    Late,
    /// Broken off by the client, or badly framed.
    Broken,
}

impl Unread {
    /// The answer, closing the connection: the rest of the request stays
    /// unread, so the connection is of no further use.
    fn answer(self, body_timeout: Duration) -> http::Response<HyperOutgoingBody> {
        let (status, kind, message) = match self {
            // The gateway's own words for its cap, so the answer does not
            // depend on which side refused.
            Unread::TooLarge => {
                (413, "body-too-large", "the body is over the gateway's cap of 8 MiB (8388608 bytes)".to_string())
            }
            Unread::Late => (
                408,
                "request-timeout",
                format!("the request body did not arrive within {} ms", body_timeout.as_millis()),
            ),
            Unread::Broken => (400, "malformed-request", "the request body could not be read".to_string()),
        };
        closing(failure(status, kind, &message))
    }
}

/// The warm-instance key of a request (see the module doc): `None` unless
/// the request provably brings no credential or config of its own.
fn warm_key(parts: &http::request::Parts, body: &[u8]) -> Option<String> {
    let iface = interface_of(parts.uri.path());
    let key = || Some(format!("gw|{iface}"));
    if body.iter().all(u8::is_ascii_whitespace) {
        // The gateway reads an empty body as `{}`.
        return key();
    }
    if body.len() > INSPECT_CAP {
        return None;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) if credential_free(&o) => key(),
        _ => None,
    }
}

/// Whether a request's JSON arguments bring no credential and no config of
/// their own, anywhere: no member at any depth is a config or
/// credential-like field ([`credential_like`]) with a non-`null` value, and
/// a telephony `account` only names its provider. Written to be
/// conservative: what it cannot prove credential-free is `false`, which
/// costs only a fresh instance.
pub fn credential_free(args: &Map<String, Value>) -> bool {
    args.iter().all(|(k, v)| member_free(k, v))
}

fn member_free(key: &str, value: &Value) -> bool {
    match value {
        Value::Null => true,
        _ if key.eq_ignore_ascii_case("account") => server_held_account(value),
        _ if credential_like(key) => false,
        _ => value_free(value),
    }
}

fn value_free(value: &Value) -> bool {
    match value {
        Value::Object(o) => credential_free(o),
        Value::Array(items) => items.iter().all(value_free),
        _ => true,
    }
}

/// A telephony `account` that takes the server-held config: a provider's
/// name (`"tring"`), a provider with `null` (`{"ringme": null}`), or a
/// Ringostat account with only its `project-id` (and `config` absent or
/// `null`). Anything else may carry the caller's config.
fn server_held_account(account: &Value) -> bool {
    match account {
        Value::String(_) => true,
        Value::Object(o) if o.len() == 1 => o.iter().all(|(case, payload)| match payload {
            Value::Null => true,
            Value::Object(p) if case == "ringostat" => p.iter().all(|(k, v)| match k.as_str() {
                "project-id" => v.is_string(),
                "config" => v.is_null(),
                _ => false,
            }),
            _ => false,
        }),
        _ => false,
    }
}

/// Member names that are, or may hold, a config, a credential or a
/// destination: the WIT's config fields and parameters (`cfg`, `auth-key`,
/// `api-key`, `client-secret`, `token`, `password`, `base-url`, `server`,
/// `tenant`, ...) and, by fragment, any name a future one is likely to get.
fn credential_like(key: &str) -> bool {
    const NAMES: [&str; 7] = ["cfg", "config", "app", "bearer", "tenant", "username", "client-id"];
    const FRAGMENTS: [&str; 9] = ["key", "secret", "token", "password", "passwd", "auth", "url", "cred", "server"];
    let key = key.to_ascii_lowercase();
    NAMES.contains(&key.as_str()) || FRAGMENTS.iter().any(|f| key.contains(f))
}

/// `ringostat` of `/v1/ringostat/sip-online`; `-` for other paths.
fn interface_of(path: &str) -> &str {
    let mut segments = path.trim_start_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("v1"), Some(iface), Some(_)) if !iface.is_empty() => iface,
        _ => "-",
    }
}

/// The host-side failure `kind` as an RFC 9457 problem, in the gateway's
/// shape (pbx-gateway-face `problem`): the same members in the same order,
/// so a client cannot tell which side refused. Titles of the kinds only
/// the host answers; the `type` is the gateway's URN.
fn failure_json(status: u16, kind: &str, detail: &str) -> String {
    let title = match kind {
        "request-timeout" => "Request not received in time",
        "body-too-large" => "Request body too large",
        "headers-too-large" => "Request headers too large",
        "overloaded" => "Gateway overloaded",
        "malformed-request" => "Malformed request",
        "host" => "Gateway failure",
        _ => "Error",
    };
    let text = |s: &str| Value::String(s.to_string()).to_string();
    format!(
        "{{\"type\":{},\"title\":{},\"status\":{status},\"detail\":{},\"kind\":{}}}",
        text(&format!("urn:pbx-gateway:problem:{kind}")),
        text(title),
        text(detail),
        text(kind)
    )
}

/// A host-side failure as a problem (`application/problem+json`).
fn failure(status: u16, kind: &str, message: &str) -> http::Response<HyperOutgoingBody> {
    let body = failure_json(status, kind, message);
    let mut builder = http::Response::builder()
        .status(status)
        .header("content-type", "application/problem+json")
        .header("cache-control", "no-store");
    if status == 503 {
        // A slot frees as soon as any call in flight ends.
        builder = builder.header("retry-after", "1");
    }
    builder.body(Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed_unsync()).unwrap_or_else(|_| {
        http::Response::new(http_body_util::Empty::new().map_err(|never| match never {}).boxed_unsync())
    })
}

/// `response` with `Connection: close` (hyper then closes the connection
/// after it): sent when the rest of the request is left unread.
fn closing(mut response: http::Response<HyperOutgoingBody>) -> http::Response<HyperOutgoingBody> {
    response.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
    response
}

/// What one connection is doing, for its deadlines.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Waiting for (the rest of) a request head since `since`; `started`
    /// once a byte of it arrived.
    Head { since: Instant, started: bool },
    /// A request is being served (its body read, its answer written).
    Busy,
    /// Between requests since the instant given.
    Idle(Instant),
}

/// The phase of one connection, kept by its I/O and its service and read by
/// its watchdog ([`serve_connection`]).
struct Watch {
    state: Mutex<(Phase, Option<Instant>)>,
    /// Wakes the watchdog when a deadline may have moved closer.
    changed: Notify,
}

/// Why a connection's watchdog ends it.
enum Expired {
    /// A request head started and did not complete in time: answered 408.
    Head,
    /// Nothing to answer: no request started, or the client stopped reading.
    Silent,
}

impl Watch {
    fn new() -> Watch {
        Watch {
            state: Mutex::new((Phase::Head { since: Instant::now(), started: false }, None)),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Phase, Option<Instant>)> {
        // Plain data: consistent whatever panicked while it was held.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, phase: Phase) {
        self.lock().0 = phase;
        self.changed.notify_one();
    }

    /// Bytes arrived: a request head starts (its deadline may be closer
    /// than the idle one the watchdog sleeps on).
    fn read(&self) {
        let mut state = self.lock();
        let next = match state.0 {
            Phase::Idle(_) => Phase::Head { since: Instant::now(), started: true },
            Phase::Head { since, started: false } => Phase::Head { since, started: true },
            _ => return,
        };
        state.0 = next;
        drop(state);
        self.changed.notify_one();
    }

    /// A write could not proceed (`blocked`) or did.
    fn write_blocked(&self, blocked: bool) {
        let mut state = self.lock();
        match (blocked, state.1) {
            (true, None) => {
                state.1 = Some(Instant::now());
                drop(state);
                self.changed.notify_one();
            }
            (false, Some(_)) => state.1 = None,
            _ => {}
        }
    }

    /// When the current phase ends the connection, and why.
    fn deadline(&self, t: Timeouts) -> (Instant, Expired) {
        let (phase, blocked) = *self.lock();
        let (at, why) = match phase {
            Phase::Head { since, started: true } => (since + t.header, Expired::Head),
            Phase::Head { since, started: false } => (since + t.header, Expired::Silent),
            Phase::Idle(since) => (since + t.idle, Expired::Silent),
            // The body's own timeout is the service's; a far deadline here.
            Phase::Busy => (Instant::now() + Duration::from_secs(3600), Expired::Silent),
        };
        match blocked {
            // A client that leaves the answer unread holds the instance
            // writing it: bounded like a body that does not arrive.
            Some(b) if b + t.body < at => (b + t.body, Expired::Silent),
            _ => (at, why),
        }
    }
}

/// The connection's stream as hyper sees it, telling the [`Watch`] what
/// passes.
struct Watched<'a> {
    io: &'a mut TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched<'_> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut *this.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.watch.read();
        }
        polled
    }
}

impl AsyncWrite for Watched<'_> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut *this.io).poll_write(cx, buf);
        this.watch.write_blocked(polled.is_pending());
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut *this.io).poll_write_vectored(cx, bufs);
        this.watch.write_blocked(polled.is_pending());
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_shutdown(cx)
    }
}

/// An answer's body that returns its connection to [`Phase::Idle`] once
/// hyper is done with it (written whole, or dropped).
struct Tracked {
    body: HyperOutgoingBody,
    watch: Arc<Watch>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.watch.set(Phase::Idle(Instant::now()));
    }
}

impl Body for Tracked {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// Serves one connection (HTTP/1.1, keep-alive) under its deadlines: a
/// watchdog ends it when a request head is late (answering `408`), when it
/// stays idle, or when the client stops reading an answer.
async fn serve_connection(gateway: Arc<Gateway>, mut stream: TcpStream) {
    let timeouts = gateway.timeouts;
    let watch = Arc::new(Watch::new());
    let expired = {
        let io = Watched { io: &mut stream, watch: watch.clone() };
        let service_watch = watch.clone();
        let service = hyper::service::service_fn(move |req| {
            let (gateway, watch) = (gateway.clone(), service_watch.clone());
            watch.set(Phase::Busy);
            async move {
                let response = gateway.handle(req).await.map(|body| Tracked { body, watch });
                Ok::<_, std::convert::Infallible>(response)
            }
        });
        // hyper's own header timeout would close without an answer; the
        // watchdog below answers 408 instead. A head hyper cannot parse is
        // answered by hyper itself before the service runs (431 past 100
        // headers or its buffer, 414, 400), bodiless: not ours to shape.
        let conn = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .serve_connection(hyper_util::rt::TokioIo::new(io), service);
        tokio::pin!(conn);
        loop {
            let (deadline, why) = watch.deadline(timeouts);
            tokio::select! {
                // A client that goes away mid-request is not the server's error.
                _ = &mut conn => break None,
                _ = watch.changed.notified() => continue,
                _ = tokio::time::sleep_until(deadline) => {
                    // The phase may have moved on since the deadline was taken.
                    let (now_deadline, _) = watch.deadline(timeouts);
                    if now_deadline <= Instant::now() {
                        break Some(why);
                    }
                }
            }
        }
    };
    // hyper's connection is dropped here, and with it the answer in flight.
    if let Some(Expired::Head) = expired {
        let body = failure_json(
            408,
            "request-timeout",
            &format!("the request head did not arrive within {} ms", timeouts.header.as_millis()),
        );
        let answer = format!(
            "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\ncache-control: no-store\r\n\
             connection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        linger_close(&mut stream, answer.as_bytes()).await;
    }
}

/// Writes `answer`, shuts the write side, and reads what the client still
/// sends until it closes too: closing with unread bytes would reset the
/// connection and could discard the answer. Each step is bounded.
async fn linger_close(stream: &mut TcpStream, answer: &[u8]) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const STEP: Duration = Duration::from_secs(2);
    if !matches!(tokio::time::timeout(STEP, stream.write_all(answer)).await, Ok(Ok(()))) {
        return;
    }
    let _ = tokio::time::timeout(STEP, stream.shutdown()).await;
    let drain = async {
        let mut sink = [0u8; 4096];
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(STEP, drain).await;
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
    /// (HTTP/1.1, keep-alive) until [`Server::stop`]. Refuses an address
    /// that is not loopback when the gateway is open ([`open_gateway`]).
    pub async fn start(gateway: Arc<Gateway>, addr: SocketAddr) -> Result<Server> {
        open_gateway(&gateway.env, addr)?;
        let listener = TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // Drops warm instances idle past `Reuse::max_idle` while no
            // request comes to do it.
            let mut sweep = tokio::time::interval(Duration::from_secs(1));
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
                tokio::spawn(serve_connection(gateway.clone(), stream));
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
