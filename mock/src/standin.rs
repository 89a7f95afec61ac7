//! Stand-ins on a real loopback socket (hyper HTTP/1.1 servers):
//!
//! - [`sip_online`], for the benchmark and the WASI 0.3 smoke test, answers
//!   `GET /sipstatus/online` with [`ONLINE`] when the `Auth-key` header is
//!   the given key, and `401` otherwise;
//! - [`mock`] serves a [`MockProvider`] (the built-in one answers all three
//!   providers by path): `pbx-host standin`, the repetition check.
//!
//! Both count the connections they accept (a keep-alive client should open
//! one per concurrent caller).

use crate::MockProvider;
use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::Full;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::net::TcpListener;

/// The stand-in's answer: three logins online.
pub const ONLINE: &str = r#"["supportrngst_manager1","supportrngst_manager2","supportrngst_manager3"]"#;

/// A running stand-in.
pub struct Standin {
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub base: String,
    /// Connections accepted so far.
    pub connections: Arc<AtomicUsize>,
    /// The mock behind it ([`mock`] only).
    pub mock: Option<Arc<MockProvider>>,
}

impl Standin {
    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Requests the mock behind it answered so far (0 for [`sip_online`]).
    pub fn requests_served(&self) -> u64 {
        self.mock.as_ref().map_or(0, |m| m.served())
    }
}

/// Starts the stand-in on the current tokio runtime; it serves until the
/// runtime ends.
pub async fn sip_online(key: &'static str) -> Result<Standin> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                // Out of descriptors, a connection reset before accept: the
                // listener lives on (a return here ended the stand-in).
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            count.fetch_add(1, Ordering::Relaxed);
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| async move {
                        let ok = req.method() == hyper::Method::GET
                            && req.uri().path() == "/sipstatus/online"
                            && req.headers().get("auth-key").is_some_and(|v| v == key);
                        let (status, body) = if ok { (200, ONLINE) } else { (401, r#"{"message":"Unauthorized"}"#) };
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .status(status)
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from_static(body.as_bytes())))
                                .expect("static response"),
                        )
                    });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    Ok(Standin { base: format!("http://{addr}"), connections, mock: None })
}

/// Serves `mock` over real HTTP on `addr` (port 0: an ephemeral port) on the
/// current tokio runtime, until the runtime ends. Each request is answered
/// as the mock answers it in process; a failure the mock would have the host
/// report (`MockResponse::failing`) closes the connection instead.
pub async fn mock(mock: Arc<MockProvider>, addr: SocketAddr) -> Result<Standin> {
    mock_delayed(mock, addr, (String::new(), std::time::Duration::ZERO)).await
}

/// [`mock`], answering each request whose path starts with `delay.0` only
/// after `delay.1` (`pbx-host standin --delay-ms`: a slow provider, so the
/// Node example can show a fast call finishing while a slow one is pending).
pub async fn mock_delayed(
    mock: Arc<MockProvider>,
    addr: SocketAddr,
    delay: (String, std::time::Duration),
) -> Result<Standin> {
    // It answers anyone with the documented examples and accepts the demo
    // credentials: a test tool for this machine only.
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "the stand-in serves the mock's demo answers to anyone who connects: give it a loopback address \
         (127.0.0.1 or [::1]), not {addr}"
    );
    let delay = Arc::new(delay);
    let listener = TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    let addr = listener.local_addr()?;
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    let served = mock.clone();
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                // Out of descriptors, a connection reset before accept: the
                // listener lives on (a return here ended the stand-in).
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            count.fetch_add(1, Ordering::Relaxed);
            let _ = stream.set_nodelay(true);
            let mock = mock.clone();
            let delay = delay.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let mock = mock.clone();
                    let delay = delay.clone();
                    async move {
                        if !delay.1.is_zero() && req.uri().path().starts_with(delay.0.as_str()) {
                            tokio::time::sleep(delay.1).await;
                        }
                        mock.serve(req, [None; 3]).await
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(std::time::Duration::from_secs(10))
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    Ok(Standin { base: format!("http://{addr}"), connections, mock: Some(served) })
}
