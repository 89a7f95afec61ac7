//! The accept loop ([`Server`]): binds, sweeps idle warm instances, and
//! serves each connection in its own task.

use super::connection::serve_connection;
use super::gateway::Gateway;
use super::open::open_gateway;
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

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
