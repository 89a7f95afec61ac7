//! The shipped outbound transport ([`Transport::Outbound`](crate::Transport)):
//! what `pbx-host serve --real`, `pbx-host call --real` and library users
//! send provider requests through.
//!
//! - **Pooled keep-alive** for `http` and `https`: hyper-util's pooled client,
//!   one pool shared by every instance of the host. A new TLS connection per
//!   request cost 68-72 ms against a provider 20 ms away, a kept-alive one
//!   21 ms (issue 18's measurement of wasmtime's default sender).
//! - **HTTP/2 where the provider offers it** by ALPN (`h2`, then
//!   `http/1.1`), over rustls with the **system's roots**
//!   (rustls-native-certs, which honours `SSL_CERT_FILE` and `SSL_CERT_DIR`,
//!   so an operator can add a private CA); the webpki roots when the system
//!   has none.
//! - **Bounds:** at most [`OutboundSettings::max_per_host`] connections per
//!   `scheme://host:port` at once (a request past it waits for one, within
//!   its connect timeout, then fails `connection-limit-reached`); idle
//!   connections close after [`OutboundSettings::idle`]; connecting (TCP and
//!   TLS) is bounded by the request's connect timeout, the answer's head by
//!   its first-byte timeout and every body frame by its between-bytes
//!   timeout, as wasmtime's default sender does.
//! - **Egress policy on resolved addresses** ([`AddrPolicy`]): the host name
//!   is resolved here, only the addresses the policy allows are connected
//!   to, and nothing resolves it again, so a name that resolves to a private
//!   address (DNS rebinding) is refused unless a pattern names that address:
//!   `destination-ip-prohibited`, nothing sent.

use crate::guard::AddrPolicy;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

/// The bounds of an [`Outbound`] transport.
#[derive(Clone, Copy, Debug)]
pub struct OutboundSettings {
    /// Connections open at once to one `scheme://host:port`.
    pub max_per_host: usize,
    /// How long an idle kept-alive connection stays open.
    pub idle: Duration,
    /// The bound on making one connection (TCP and TLS, and the wait for a
    /// per-host slot). hyper-util hands the connector only the URI, so this
    /// is per transport; each request is also bounded as a whole by its own
    /// connect + first-byte timeouts.
    pub connect: Duration,
}

impl Default for OutboundSettings {
    fn default() -> Self {
        // 64 per host: well past the 16 overlapping calls of the benchmark
        // and the usual provider rate limits, well under a file-descriptor
        // limit of 1024 with a few providers. 90 s idle: hyper-util's
        // default, longer than providers' usual keep-alive of 60-75 s, so
        // the provider closes first and a request never races its close.
        // 10 s to connect: a provider that takes longer is down for a caller
        // (the component's default `timeout-ms` is 10 s as well).
        OutboundSettings { max_per_host: 64, idle: Duration::from_secs(90), connect: Duration::from_secs(10) }
    }
}

type Client = hyper_util::client::legacy::Client<hyper_rustls::HttpsConnector<Connector>, WasiBody>;

/// The pooled, policy-checked outbound transport (see the module doc).
/// Cheap to clone: clones share the pool.
#[derive(Clone)]
pub struct Outbound(Arc<Shared>);

struct Shared {
    client: Client,
    settings: OutboundSettings,
    policy: Arc<dyn AddrPolicy>,
}

impl Outbound {
    /// A transport that connects only where `policy` allows.
    pub fn new(policy: Arc<dyn AddrPolicy>, settings: OutboundSettings) -> Outbound {
        let connector = Connector { policy: policy.clone(), settings, hosts: Arc::default() };
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config())
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(connector);
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_idle_timeout(settings.idle)
            .pool_max_idle_per_host(settings.max_per_host)
            // Idle connections are closed by a timer, not only when next used.
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(https);
        Outbound(Arc::new(Shared { client, settings, policy }))
    }

    /// `n` pools of their own (at least one) with the same policy, each
    /// bounded to its share of `max_per_host` (at least 1 each), so that
    /// together they open no more connections to a host than this one
    /// while `n` is at most `max_per_host` (past it, one each: `n`).
    /// A pool whose share is busy waits for it even while another pool has
    /// idle connections.
    /// Each pool has its own bound: pools sharing one bound stalled (an
    /// idle connection kept in one pool held a slot another pool waited
    /// for; 600 overlapping clients, 4 failed after the 10 s connect
    /// bound). hyper-util drives a pooled connection in a task on the
    /// runtime that opened it; `pbx-host serve` gives each of its threads
    /// one pool, so a provider connection is driven by the thread whose
    /// requests use it.
    pub fn split(&self, n: usize) -> Vec<Outbound> {
        let n = n.max(1);
        let settings = OutboundSettings { max_per_host: (self.0.settings.max_per_host / n).max(1), ..self.0.settings };
        (0..n).map(|_| Outbound::new(self.0.policy.clone(), settings)).collect()
    }

    /// The pool's identity, the same for every clone (warm-instance keys).
    pub fn id(&self) -> *const () {
        Arc::as_ptr(&self.0).cast()
    }

    /// Sends `request` with the component's timeouts (`options`).
    pub async fn send(
        &self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
    ) -> Result<http::Response<WasiBody>, Error> {
        let bound = |t: Option<Duration>| t.unwrap_or(Duration::from_secs(600));
        let connect = bound(options.and_then(|o| o.connect_timeout)).min(self.0.settings.connect);
        let first_byte = bound(options.and_then(|o| o.first_byte_timeout));
        // Tokio panics on a zero interval: 1 ns is as good as zero.
        let between_bytes = bound(options.and_then(|o| o.between_bytes_timeout)).max(Duration::new(0, 1));
        // The head must come within connect + first byte: a request that
        // waits for a connection (pool or per-host bound) is still bounded.
        let response = tokio::time::timeout(connect + first_byte, self.0.client.request(request))
            .await
            .map_err(|_| Error::ConnectionReadTimeout)?
            .map_err(client_error)?;
        let mut timer = tokio::time::interval(between_bytes);
        timer.reset();
        Ok(response.map(|incoming| TimedBody { incoming, timer }.boxed_unsync()))
    }
}

/// Why a connection could not be made; carried through hyper-util's error
/// to [`client_error`].
#[derive(Debug)]
enum ConnectFailure {
    /// Every resolved address is one the policy refuses.
    Prohibited,
    /// The name did not resolve.
    Dns(std::io::Error),
    /// No address accepted the connection.
    Refused(std::io::Error),
    Timeout,
    /// The per-host bound stayed full for the whole connect timeout.
    Limit,
    /// The URI has no host or an unknown scheme.
    Uri,
}

impl std::fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectFailure::Prohibited => f.write_str("destination IP prohibited by the egress policy"),
            ConnectFailure::Dns(e) => write!(f, "DNS lookup failed: {e}"),
            ConnectFailure::Refused(e) => write!(f, "connection failed: {e}"),
            ConnectFailure::Timeout => f.write_str("connect timeout"),
            ConnectFailure::Limit => f.write_str("connection limit per host reached"),
            ConnectFailure::Uri => f.write_str("invalid URI"),
        }
    }
}

impl std::error::Error for ConnectFailure {}

/// hyper-util's error as the wasi-http error code the component maps.
fn client_error(e: hyper_util::client::legacy::Error) -> Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(f) = s.downcast_ref::<ConnectFailure>() {
            return match f {
                ConnectFailure::Prohibited => Error::DestinationIpProhibited,
                ConnectFailure::Dns(_) => Error::DnsError { rcode: None, info_code: None },
                ConnectFailure::Refused(_) => Error::ConnectionRefused,
                ConnectFailure::Timeout => Error::ConnectionTimeout,
                ConnectFailure::Limit => Error::ConnectionLimitReached,
                ConnectFailure::Uri => Error::HttpRequestUriInvalid,
            };
        }
        // tokio-rustls wraps rustls' error in an `io::Error`, whose
        // `source` skips it: look inside.
        let inner = s.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).map(|e| e as &dyn std::error::Error);
        // A TLS failure is a "nothing was sent" code only while connecting:
        // one after the request went out (a fatal alert mid-exchange) may
        // follow a delivered request, and must not promise otherwise.
        let tls = s.downcast_ref::<rustls::Error>().or_else(|| inner.and_then(|e| e.downcast_ref()));
        if let Some(tls) = tls.filter(|_| e.is_connect()) {
            return match tls {
                rustls::Error::InvalidCertificate(_) => Error::TlsCertificateError,
                rustls::Error::AlertReceived(_) => Error::TlsAlertReceived { alert_id: None, alert_message: None },
                _ => Error::TlsProtocolError,
            };
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            if h.is_timeout() {
                return Error::HttpResponseTimeout;
            }
        }
        source = s.source();
    }
    // A connect-phase failure without a cause we know (TLS I/O errors come
    // as plain `io::Error`): nothing was sent.
    if e.is_connect() {
        return Error::TlsProtocolError;
    }
    // After the request went out: the component treats this as a lost answer.
    Error::HttpProtocolError
}

/// The TLS configuration: ring, the system's roots (the webpki roots when
/// the system has none), built once per process.
fn tls_config() -> rustls::ClientConfig {
    static CONFIG: std::sync::OnceLock<rustls::ClientConfig> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            // Unreadable certificates are skipped, not fatal: one bad file in
            // /etc/ssl/certs must not stop the host.
            let native = rustls_native_certs::load_native_certs();
            let (added, _ignored) = roots.add_parsable_certificates(native.certs);
            if added == 0 {
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("ring supports the default protocol versions")
                .with_root_certificates(roots)
                .with_no_client_auth()
        })
        .clone()
}

/// The TCP step under hyper-rustls: resolve, keep the allowed addresses,
/// take a per-host slot, connect.
#[derive(Clone)]
struct Connector {
    policy: Arc<dyn AddrPolicy>,
    settings: OutboundSettings,
    hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl tower_service::Service<http::Uri> for Connector {
    type Response = Counted;
    type Error = ConnectFailure;
    type Future = Pin<Box<dyn Future<Output = Result<Counted, ConnectFailure>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectFailure>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.connect(uri).await })
    }
}

impl Connector {
    async fn connect(self, uri: http::Uri) -> Result<Counted, ConnectFailure> {
        let scheme = match uri.scheme_str() {
            Some("http") => "http",
            Some("https") => "https",
            _ => return Err(ConnectFailure::Uri),
        };
        let raw = uri.host().ok_or(ConnectFailure::Uri)?;
        // `[::1]` in a URL, `::1` as an address.
        let host = raw.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(raw).to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
        let timeout = self.settings.connect;
        let key = format!("{scheme}://{host}:{port}");
        let slots = self
            .hosts
            .lock()
            .expect("host slots")
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(self.settings.max_per_host)))
            .clone();
        let connect = async {
            let permit = slots.clone().acquire_owned().await.map_err(|_| ConnectFailure::Limit)?;
            let resolved: Vec<SocketAddr> = match host.parse::<IpAddr>() {
                // An address literal is its own resolution.
                Ok(ip) => vec![SocketAddr::new(ip, port)],
                Err(_) => tokio::net::lookup_host((host.as_str(), port)).await.map_err(ConnectFailure::Dns)?.collect(),
            };
            let allowed: Vec<SocketAddr> =
                resolved.into_iter().filter(|a| self.policy.allows(scheme, &host, port, a.ip())).collect();
            if allowed.is_empty() {
                return Err(ConnectFailure::Prohibited);
            }
            let mut last = None;
            for addr in allowed {
                match TcpStream::connect(addr).await {
                    Ok(stream) => {
                        // Small request/answer exchanges: no Nagle delay.
                        let _ = stream.set_nodelay(true);
                        return Ok(Counted { io: TokioIo::new(stream), _permit: permit });
                    }
                    Err(e) => last = Some(e),
                }
            }
            Err(ConnectFailure::Refused(last.unwrap_or_else(|| std::io::ErrorKind::ConnectionRefused.into())))
        };
        match tokio::time::timeout(timeout, connect).await {
            Ok(r) => r,
            // Still waiting for a per-host slot, or for the network.
            Err(_) if slots.available_permits() == 0 => Err(ConnectFailure::Limit),
            Err(_) => Err(ConnectFailure::Timeout),
        }
    }
}

/// A connection holding its per-host slot until it closes.
struct Counted {
    io: TokioIo<TcpStream>,
    _permit: OwnedSemaphorePermit,
}

impl Connection for Counted {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}

impl Read for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
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
