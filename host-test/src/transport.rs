//! Where the component's outgoing requests go: the `WasiHttpHooks` of the
//! host. [`Transport::Mock`] answers from a [`MockProvider`] (and enforces the
//! request's timeouts itself, as only the default sender applies them);
//! [`Transport::Network`] uses wasmtime's default sender (a new connection per
//! request); [`Transport::Pooled`] keeps connections alive across requests
//! and instances (plain `http://` only, the rest falls back to the network);
//! [`Transport::Guarded`] is the network behind an egress policy checked at
//! connect time ([`guarded_send`], the CLI's `--real`).

use crate::guard::AddrPolicy;
use crate::kit::mock::MockProvider;
use bytes::Bytes;
use http_body_util::BodyExt;
use std::future::{poll_fn, Future};
use std::net::{IpAddr, SocketAddr};
use std::pin::{pin, Pin};
use std::sync::{Arc, OnceLock};
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
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
    /// The network, connecting only to addresses the policy allows
    /// ([`guarded_send`]); what `--real` uses.
    Guarded(Arc<dyn AddrPolicy>),
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
            Transport::Guarded(policy) => format!("guarded@{:p}", Arc::as_ptr(policy) as *const ()),
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
            Transport::Guarded(policy) => {
                let policy = policy.clone();
                Box::new(async move {
                    let (res, io) = guarded_send(request, options, policy).await?;
                    Ok((res, Box::new(io) as IoFuture))
                })
            }
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

/// A connection's stream, plain or TLS.
trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Stream for T {}

/// Sends `request` as wasmtime-wasi-http's `default_send_request` does
/// (HTTP/1.1 on a new connection, TLS with the webpki roots for `https`,
/// the request options' connect, first-byte and between-bytes timeouts,
/// each 600 s when unset), except where it connects: it resolves the host
/// itself, keeps only the addresses `policy` allows, and connects to one
/// of exactly those, so a name cannot lead anywhere the policy refuses by
/// resolving differently at connect time (no second resolution).
/// `DestinationIpProhibited` when no address is left; nothing is sent then.
pub async fn guarded_send(
    mut req: http::Request<WasiBody>,
    options: Option<RequestOptions>,
    policy: Arc<dyn AddrPolicy>,
) -> Result<(http::Response<WasiBody>, impl Future<Output = Result<(), Error>> + Send), Error> {
    let uri = req.uri();
    let (scheme, use_tls) = match uri.scheme_str() {
        Some("http") => ("http", false),
        Some("https") => ("https", true),
        _ => return Err(Error::HttpProtocolError),
    };
    let raw_host = uri.host().ok_or(Error::HttpRequestUriInvalid)?;
    // `[::1]` in a URL, `::1` as an address.
    let host = raw_host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(raw_host).to_ascii_lowercase();
    let port = uri.port_u16().unwrap_or(if use_tls { 443 } else { 80 });
    let timeout = |t: Option<Duration>| t.unwrap_or(Duration::from_secs(600));
    let connect_timeout = timeout(options.and_then(|o| o.connect_timeout));
    let first_byte_timeout = timeout(options.and_then(|o| o.first_byte_timeout));
    // Tokio panics on a zero interval: 1 ns is as good as zero.
    let between_bytes_timeout = timeout(options.and_then(|o| o.between_bytes_timeout)).max(Duration::new(0, 1));

    let connect = async {
        let resolved: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            // An address literal is its own resolution.
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host.as_str(), port)).await.map_err(Error::Connect)?.collect(),
        };
        let allowed: Vec<SocketAddr> =
            resolved.into_iter().filter(|a| policy.allows(scheme, &host, port, a.ip())).collect();
        if allowed.is_empty() {
            return Err(Error::DestinationIpProhibited);
        }
        let mut last = None;
        for addr in allowed {
            match TcpStream::connect(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.map(Error::Connect).unwrap_or(Error::ConnectionRefused))
    };
    let stream = tokio::time::timeout(connect_timeout, connect).await.map_err(|_| Error::ConnectionTimeout)??;
    let stream: Box<dyn Stream> = if use_tls {
        // SNI and the certificate check use the URL's host, not the address.
        let name = match host.parse::<IpAddr>() {
            Ok(ip) => rustls::pki_types::ServerName::from(ip),
            Err(_) => {
                rustls::pki_types::ServerName::try_from(host.clone()).map_err(|_| Error::HttpRequestUriInvalid)?
            }
        };
        let connector = tokio_rustls::TlsConnector::from(tls_config()?);
        let tls = tokio::time::timeout(connect_timeout, connector.connect(name, stream))
            .await
            .map_err(|_| Error::ConnectionTimeout)?
            .map_err(Error::Tls)?;
        Box::new(tls)
    } else {
        Box::new(stream)
    };
    let (mut sender, conn) = tokio::time::timeout(
        connect_timeout,
        hyper::client::conn::http1::Builder::new().handshake(hyper_util::rt::TokioIo::new(stream)),
    )
    .await
    .map_err(|_| Error::ConnectionTimeout)??;

    // The request line carries only the path (no proxy is addressed).
    let path = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    *req.uri_mut() = http::Uri::builder().path_and_query(path).build().map_err(|_| Error::HttpRequestUriInvalid)?;

    let send = async move {
        let res = tokio::time::timeout(first_byte_timeout, sender.send_request(req))
            .await
            .map_err(|_| Error::ConnectionReadTimeout)?
            .map_err(Error::from)?;
        let mut timer = tokio::time::interval(between_bytes_timeout);
        timer.reset();
        Ok::<_, Error>(res.map(|incoming| TimedBody { incoming, timer }.boxed_unsync()))
    };
    let mut send = pin!(send);
    let mut conn = Some(conn);
    // Waits for the answer while driving the connection's I/O.
    let res = poll_fn(|cx| match send.as_mut().poll(cx) {
        Poll::Ready(r) => Poll::Ready(r),
        Poll::Pending => {
            let Some(fut) = conn.as_mut() else { return Poll::Pending };
            let done = ready!(Pin::new(fut).poll(cx));
            conn = None;
            match done {
                Ok(()) => send.as_mut().poll(cx),
                Err(e) => Poll::Ready(Err(Error::from(e))),
            }
        }
    })
    .await?;
    Ok((res, async move {
        let Some(conn) = conn else { return Ok(()) };
        match conn.await {
            Ok(()) => Ok(()),
            Err(e) if e.is_timeout() => Err(Error::HttpResponseTimeout),
            Err(e) => Err(e.into()),
        }
    }))
}

/// The TLS client configuration (ring, the webpki roots), built once.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, Error> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    if let Some(c) = CONFIG.get() {
        return Ok(c.clone());
    }
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.into() };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|_| Error::ConfigurationError)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(CONFIG.get_or_init(|| Arc::new(config)).clone())
}

/// A response body that fails when no frame arrives within the
/// between-bytes timeout (as the default sender's does).
struct TimedBody {
    incoming: hyper::body::Incoming,
    timer: tokio::time::Interval,
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Error>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Err(e))) => {
                Poll::Ready(Some(Err(if e.is_timeout() { Error::HttpResponseTimeout } else { Error::from(e) })))
            }
            Poll::Ready(Some(Ok(frame))) => {
                self.timer.reset();
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                ready!(self.timer.poll_tick(cx));
                Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.incoming.size_hint()
    }
}

fn done() -> IoFuture {
    Box::new(async { Ok(()) })
}

/// A complete body as a `WasiBody`.
pub fn full_body(bytes: impl Into<Bytes>) -> WasiBody {
    http_body_util::Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}
