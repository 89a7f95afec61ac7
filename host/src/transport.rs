//! Where the component's outgoing requests go: the `WasiHttpHooks` of the
//! host. [`Transport::Hook`] hands them to a handler of the embedder's own
//! ([`OutgoingHook`]: the test host's mock provider, a recorder; it must
//! enforce the request's timeouts itself, as only the default sender
//! applies them); [`Transport::Outbound`] is the shipped transport (pooled keep-alive over
//! rustls, HTTP/2 by ALPN, the egress policy on resolved addresses: see
//! [`crate::outbound`]), what `--real` and the benchmark's gateway rows use;
//! [`Transport::Network`] is wasmtime-wasi-http's default sender (a new
//! connection per request, as `wasmtime serve` sends), kept for the fault
//! tests and the benchmark's comparison.

use crate::guard::AddrPolicy;
use crate::outbound::{Outbound, OutboundSettings};
use bytes::Bytes;
use http_body_util::BodyExt;
use std::future::Future;
use std::sync::Arc;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// What an [`OutgoingHook`] answers: the response (whose body the component
/// then reads), or the `wasi:http` error code the component sees.
pub type HookFuture = Box<dyn Future<Output = Result<http::Response<WasiBody>, Error>> + Send>;

/// A handler of the component's outgoing requests, supplied by the
/// embedder ([`Transport::Hook`]): a stand-in provider, a recorder, a
/// client of its own. Nothing leaves the process unless the hook sends it.
pub trait OutgoingHook: Send + Sync + 'static {
    /// Answers one request. `options` holds the timeouts the component set
    /// (connect, first byte, between bytes); wasmtime's default sender
    /// applies them, a hook must do so itself.
    fn send(&self, request: http::Request<WasiBody>, options: Option<RequestOptions>) -> HookFuture;

    /// Tells hooks apart in warm-instance keys ([`Host::call`](crate::Host::call)):
    /// an instance parked after a call through this hook serves later calls
    /// only through a hook with the same key. By default the hook's address
    /// (a parked instance keeps its hook alive, so the address is not reused
    /// meanwhile); a hook wrapping a shared handler names that handler.
    fn key(&self) -> String {
        format!("{:p}", self as *const Self)
    }
}

/// An [`OutgoingHook`] made of a function and a key: what an embedder
/// plugs in when its handler is a plain async function (the `pbx-host`
/// binary's built-in mock: `pbx_mock::wasi::send`, keyed by the mock).
pub struct FnHook<F> {
    key: String,
    send: F,
}

impl<F> FnHook<F> {
    /// A hook answering with `send`, told apart from others by `key`.
    pub fn new(key: impl Into<String>, send: F) -> Self {
        FnHook { key: key.into(), send }
    }
}

impl<F, Fut> OutgoingHook for FnHook<F>
where
    F: Fn(http::Request<WasiBody>, Option<RequestOptions>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<http::Response<WasiBody>, Error>> + Send + 'static,
{
    fn send(&self, request: http::Request<WasiBody>, options: Option<RequestOptions>) -> HookFuture {
        Box::new((self.send)(request, options))
    }

    fn key(&self) -> String {
        self.key.clone()
    }
}

/// The route for outgoing requests of one store.
#[derive(Clone)]
pub enum Transport {
    /// Answered by the embedder's handler ([`OutgoingHook`]).
    Hook(Arc<dyn OutgoingHook>),
    /// wasmtime-wasi-http's default sender.
    Network,
    /// The shipped transport ([`Outbound`]): pooled, policy-checked.
    Outbound(Outbound),
}

impl Transport {
    /// Tells transports apart in warm-instance keys: each hook by its
    /// [`OutgoingHook::key`], the network ones by kind.
    pub fn id(&self) -> String {
        match self {
            Transport::Hook(hook) => format!("hook@{}", hook.key()),
            Transport::Network => "network".into(),
            Transport::Outbound(o) => format!("outbound@{:p}", o.id()),
        }
    }

    /// The same transport for `n` threads: an [`Outbound`] is
    /// [split](Outbound::split) into a pool per thread, the others are
    /// shared.
    pub fn split(&self, n: usize) -> Vec<Transport> {
        match self {
            Transport::Outbound(o) => o.split(n).into_iter().map(Transport::Outbound).collect(),
            other => vec![other.clone(); n.max(1)],
        }
    }

    /// The shipped transport with default bounds, connecting only where
    /// `policy` allows.
    pub fn guarded(policy: Arc<dyn AddrPolicy>) -> Transport {
        Transport::Outbound(Outbound::new(policy, OutboundSettings::default()))
    }
}

type IoFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;
type SendFuture = Box<dyn Future<Output = Result<(http::Response<WasiBody>, IoFuture), Error>> + Send>;

impl WasiHttpHooks for Transport {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: IoFuture,
    ) -> SendFuture {
        drop(fut);
        match self {
            Transport::Hook(hook) => {
                let answer = Box::into_pin(hook.send(request, options));
                Box::new(async move { answer.await.map(|r| (r, done())) })
            }
            Transport::Network => network(request, options),
            Transport::Outbound(outbound) => {
                let outbound = outbound.clone();
                Box::new(async move { outbound.send(request, options).await.map(|r| (r, done())) })
            }
        }
    }
}

fn network(request: http::Request<WasiBody>, options: Option<RequestOptions>) -> SendFuture {
    Box::new(async move {
        let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
        Ok((res.map(BodyExt::boxed_unsync), Box::new(io) as IoFuture))
    })
}

fn done() -> IoFuture {
    Box::new(async { Ok(()) })
}

/// A complete body as a `WasiBody`.
pub fn full_body(bytes: impl Into<Bytes>) -> WasiBody {
    http_body_util::Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Refuse;

    impl OutgoingHook for Refuse {
        fn send(&self, _: http::Request<WasiBody>, _: Option<RequestOptions>) -> HookFuture {
            Box::new(async { Err(Error::HttpRequestDenied) })
        }
    }

    /// Warm instances follow the hook: clones of one transport share a key,
    /// two hooks of the same kind do not.
    #[test]
    fn hooks_are_told_apart_by_identity() {
        let one = Transport::Hook(Arc::new(Refuse));
        let other = Transport::Hook(Arc::new(Refuse));
        assert_eq!(one.id(), one.clone().id());
        assert_ne!(one.id(), other.id());
        assert!(one.id().starts_with("hook@0x"), "{}", one.id());
        assert_eq!(Transport::Network.id(), "network");
    }

    /// A split gives each thread a pool of its own (warm instances keyed
    /// apart); a hook is shared as it is.
    #[test]
    fn split_pools_are_told_apart() {
        let any = |_: &str, _: &str, _: u16, _: std::net::IpAddr| true;
        let outbound = Transport::guarded(Arc::new(any));
        let parts = outbound.split(3);
        let ids: std::collections::BTreeSet<String> = parts.iter().map(Transport::id).collect();
        assert_eq!(ids.len(), 3);
        assert!(!ids.contains(&outbound.id()));
        assert_eq!(outbound.split(0).len(), 1);
        let hook = Transport::Hook(Arc::new(Refuse));
        assert!(hook.split(2).iter().all(|t| t.id() == hook.id()));
    }
}
