//! A plain keep-alive HTTP/1.1 client: the benchmark's native caller and
//! native proxy (never a component's transport).

use std::time::Duration;
use wasmtime_wasi_http::WasiBody;

/// The client type.
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
