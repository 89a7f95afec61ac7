//! The shipped outbound transport ([`Transport::Outbound`]): kept-alive
//! connections, the per-host bound, and HTTPS with a private CA from
//! `SSL_CERT_FILE` speaking HTTP/2 when the provider offers it by ALPN.

use super::common::host;
use host_test::guard::AllowedHosts;
use host_test::kit::mock::{MockProvider, MockResponse};
use host_test::kit::standin;
use host_test::outbound::{Outbound, OutboundSettings};
use host_test::Transport;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ONLINE: &str = r#"["manager1"]"#;

fn loopback() -> Arc<AllowedHosts> {
    Arc::new(AllowedHosts::parse(Some("http://127.0.0.1:*")).expect("pattern"))
}

async fn sip_online(transport: &Transport, base: &str) -> Value {
    let args = json!({"cfg": {"auth-key": "k", "base-url": base, "timeout-ms": 5000}});
    host().call(transport, "ringostat.sip-online", &args).await.expect("call")
}

/// Twenty calls from twenty fresh instances: one connection, kept alive
/// across instances (the default sender opens twenty).
#[tokio::test]
async fn connections_are_kept_alive_across_instances() {
    let mock = MockProvider::always(MockResponse::json(200, ONLINE));
    let standin = standin::mock(mock, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let transport = Transport::guarded(loopback());
    for _ in 0..20 {
        assert_eq!(sip_online(&transport, &standin.base).await, json!({"ok": ["manager1"]}));
    }
    assert_eq!(standin.connections(), 1);
}

/// Eight overlapping calls to a slow provider with a bound of 2 per host:
/// never more than 2 connections, and every call is answered.
#[tokio::test]
async fn connections_per_host_are_bounded() {
    let mock = MockProvider::always(MockResponse::json(200, ONLINE).delayed(Duration::from_millis(200)));
    let standin = standin::mock(mock, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let settings = OutboundSettings { max_per_host: 2, ..OutboundSettings::default() };
    let transport = Transport::Outbound(Outbound::new(loopback(), settings));
    let calls = (0..8).map(|_| {
        let (transport, base) = (transport.clone(), standin.base.clone());
        tokio::spawn(async move { sip_online(&transport, &base).await })
    });
    for call in calls.collect::<Vec<_>>() {
        assert_eq!(call.await.unwrap(), json!({"ok": ["manager1"]}));
    }
    assert_eq!(standin.connections(), 2);
}

/// A TLS stand-in for `localhost` with a certificate of a private CA,
/// offering `h2` and `http/1.1` by ALPN; it records each request's HTTP
/// version. Returns its port, the CA's PEM and the versions seen.
async fn tls_standin() -> (u16, String, Arc<Mutex<Vec<http::Version>>>, Arc<AtomicUsize>) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf =
        CertificateParams::new(vec!["localhost".to_string()]).unwrap().signed_by(&leaf_key, &ca, &ca_key).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let versions = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let (seen, count) = (versions.clone(), connections.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::Relaxed);
            let (acceptor, seen) = (acceptor.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    seen.lock().unwrap().push(req.version());
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .header("content-type", "application/json")
                                .body(http_body_util::Full::new(bytes::Bytes::from_static(ONLINE.as_bytes())))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (port, ca.pem(), versions, connections)
}

/// `pbx-host call --real` against `https://localhost:PORT` whose CA only
/// `SSL_CERT_FILE` names: delivered over HTTP/2 (ALPN), one connection for
/// the calls of one process; without the CA file, a TLS certificate error.
/// (A child process: the roots are read once per process.)
#[tokio::test]
async fn https_with_a_private_ca_speaks_http2() {
    let (port, ca_pem, versions, connections) = tls_standin().await;
    let dir = std::env::temp_dir().join(format!("pbx-outbound-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let base = format!("https://localhost:{port}");
    let (base2, dir2) = (base.clone(), dir.clone());
    let run = move |ca: Option<&std::path::Path>| {
        let (base, dir) = (&base2, &dir2);
        let mut cmd = std::process::Command::new(host_test::kit::bin::pbx_host());
        cmd.args(["call", "ringostat.sip-online", "--real", "--auth-key", "k", "--base-url", base])
            .env("PBX_ALLOWED_HOSTS", base)
            .env_remove("SSL_CERT_DIR");
        match ca {
            Some(ca) => cmd.env("SSL_CERT_FILE", ca),
            // An empty file: no system roots at all (the webpki ones
            // then stand in, and they do not know the private CA).
            None => cmd.env("SSL_CERT_FILE", dir.join("none.pem")),
        };
        cmd.env("PBX_COMPONENT", host_test::component_path());
        cmd.output().expect("run pbx-host")
    };
    std::fs::write(dir.join("none.pem"), "").unwrap();
    let out = tokio::task::spawn_blocking({
        let ca_file = ca_file.clone();
        move || (run(Some(&ca_file)), run(None))
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let (trusted, untrusted) = out;
    let text = String::from_utf8_lossy(&trusted.stdout);
    assert!(
        trusted.status.success() && text.contains("manager1"),
        "{text}{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert_eq!(*versions.lock().unwrap(), vec![http::Version::HTTP_2]);
    let text = String::from_utf8_lossy(&untrusted.stdout);
    assert!(text.contains("TLS"), "{text}{}", String::from_utf8_lossy(&untrusted.stderr));
    assert_eq!(connections.load(Ordering::Relaxed), 2);
}
