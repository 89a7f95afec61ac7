//! Where the component's outgoing requests go: the `WasiHttpHooks` of the
//! host. [`Transport::Mock`] answers from a [`MockProvider`] (and enforces the
//! request's timeouts itself, as only the default sender applies them);
//! [`Transport::Network`] uses wasmtime's default sender (a new connection per
//! request); [`Transport::Pooled`] keeps connections alive across requests
//! and instances (plain `http://` only, the rest falls back to the network).

use crate::kit::mock::MockProvider;
use bytes::Bytes;
use http_body_util::BodyExt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// A pooled keep-alive HTTP/1.1 client shared by many instances.
pub type PooledClient =
    hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, WasiBody>;

/// A new pooled client (keep-alive, no idle limit beyond 90 s).
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
    /// A shared keep-alive pool for `http://`; `https://` uses the default sender.
    Pooled(PooledClient),
}

impl Transport {
    /// Tells transports apart in warm-instance keys: each mock by identity
    /// (a parked instance keeps its mock alive, so the address is not
    /// reused meanwhile), the network ones by kind.
    pub fn id(&self) -> String {
        match self {
            Transport::Mock(mock) => format!("mock@{:p}", Arc::as_ptr(mock)),
            Transport::Network => "network".into(),
            Transport::Pooled(_) => "pooled".into(),
        }
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
            Transport::Pooled(client) => {
                if request.uri().scheme() != Some(&http::uri::Scheme::HTTP) {
                    return network(request, options);
                }
                let client = client.clone();
                Box::new(async move {
                    let first_byte = options.and_then(|o| o.first_byte_timeout).unwrap_or(Duration::from_secs(600));
                    let response = tokio::time::timeout(first_byte, client.request(request))
                        .await
                        .map_err(|_| Error::HttpResponseTimeout)?
                        .map_err(
                            |e| if e.is_connect() { Error::ConnectionRefused } else { Error::HttpProtocolError },
                        )?;
                    Ok((response.map(|b| b.map_err(Error::from).boxed_unsync()), done()))
                })
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
