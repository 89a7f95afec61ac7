//! Where the component's outgoing requests go: the `WasiHttpHooks` of the
//! host. [`Transport::Mock`] answers from a [`MockProvider`] (and enforces the
//! request's timeouts itself, as only the default sender applies them);
//! [`Transport::Outbound`] is the shipped transport (pooled keep-alive over
//! rustls, HTTP/2 by ALPN, the egress policy on resolved addresses: see
//! [`crate::outbound`]), what `--real` and the benchmark's gateway rows use;
//! [`Transport::Network`] is wasmtime-wasi-http's default sender (a new
//! connection per request, as `wasmtime serve` sends), kept for the fault
//! tests and the benchmark's comparison.

use crate::guard::AddrPolicy;
use crate::kit::mock::MockProvider;
use crate::outbound::{Outbound, OutboundSettings};
use bytes::Bytes;
use http_body_util::BodyExt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// A plain keep-alive HTTP/1.1 client: the benchmark's native caller and
/// native proxy (never a component's transport).
pub type PooledClient =
    hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, WasiBody>;

/// A new plain keep-alive client (no idle limit beyond 90 s).
pub fn pooled_client() -> PooledClient {
    let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
    connector.set_nodelay(true);
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .build(connector)
}

/// The route for outgoing requests of one store.
#[derive(Clone)]
pub enum Transport {
    /// Answered by the mock; nothing leaves the process.
    Mock(Arc<MockProvider>),
    /// wasmtime-wasi-http's default sender.
    Network,
    /// The shipped transport ([`Outbound`]): pooled, policy-checked.
    Outbound(Outbound),
}

impl Transport {
    /// Tells transports apart in warm-instance keys: each mock by identity
    /// (a parked instance keeps its mock alive, so the address is not
    /// reused meanwhile), the network ones by kind.
    pub fn id(&self) -> String {
        match self {
            Transport::Mock(mock) => format!("mock@{:p}", Arc::as_ptr(mock)),
            Transport::Network => "network".into(),
            Transport::Outbound(o) => format!("outbound@{:p}", o.id()),
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
            Transport::Mock(mock) => {
                let mock = mock.clone();
                Box::new(async move { mock.serve(request, options).await.map(|r| (r, done())) })
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
