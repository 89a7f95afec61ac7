//! The accept loop ([`Server`]): binds, sweeps idle warm instances, and
//! serves each connection in its own task, on the caller's runtime
//! ([`Server::start`]) or on a thread per core ([`Server::start_per_core`]).

use super::connection::serve_connection;
use super::gateway::Gateway;
use super::open::open_gateway;
use super::poll::{counted, BusyPoll};
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

/// The most threads [`Server::start_per_core`] runs: the provider
/// connections of [`OutboundSettings::max_per_host`](crate::outbound::OutboundSettings)
/// (64) are shared out between them, at least one each.
pub const MAX_THREADS: usize = 64;

/// A running server.
pub struct Server {
    /// The address it listens on (the port chosen when 0 was asked).
    pub addr: SocketAddr,
    /// Ends every accept loop when set, or when dropped.
    stop: watch::Sender<bool>,
    /// One per accept loop, resolved when it has ended.
    loops: Vec<oneshot::Receiver<()>>,
}

impl Server {
    /// Binds `addr` (port 0: an ephemeral port) and serves `gateway` on it
    /// (HTTP/1.1, keep-alive) on the caller's runtime until
    /// [`Server::stop`] or until the `Server` is dropped (connections
    /// already open are served on). Refuses an address that is not
    /// loopback when the gateway is open ([`open_gateway`]).
    pub async fn start(gateway: Arc<Gateway>, addr: SocketAddr) -> Result<Server> {
        open_gateway(&gateway.env, addr)?;
        let listener = TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let (done, ended) = oneshot::channel();
        tokio::spawn(async move {
            // Open connections are served on, detached, after a stop.
            accept_loop(gateway, listener, stopped, true).await.detach_all();
            let _ = done.send(());
        });
        Ok(Server { addr, stop, loops: vec![ended] })
    }

    /// As [`Server::start`], on `threads` threads of their own (1 to
    /// [`MAX_THREADS`]), each running a single-threaded runtime that accepts from the
    /// one listening socket and serves the connections it accepted: a
    /// connection's requests, their instances and their answers never move
    /// between threads. What `pbx-host serve` runs, one thread per core.
    /// Measured against one multi-thread runtime (BENCHMARKS.md, "the
    /// gateway as it ships"): each request on a multi-thread runtime woke
    /// an idle worker and moved between the two, which at one request at
    /// a time cost the gateway more than its own work. When it stops (or
    /// is dropped), each thread stops accepting and closes its listener at
    /// once (`stop` returns then), serves its open connections to their
    /// end, as [`Server::start`] does, and then ends.
    pub async fn start_per_core(gateway: Arc<Gateway>, addr: SocketAddr, threads: usize) -> Result<Server> {
        open_gateway(&gateway.env, addr)?;
        // Bound by tokio for its backlog of 1024 (std's is 128: 600 clients
        // connecting at once overflowed it, and 34 were refused), then
        // handed to the threads as a std listener (non-blocking).
        let listener = TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?.into_std()?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let mut loops = Vec::new();
        for (i, transport) in gateway.transport.split(threads.clamp(1, MAX_THREADS)).into_iter().enumerate() {
            let listener = listener.try_clone()?;
            // Its own provider pool and warm instances (Gateway::for_thread).
            let (gateway, stopped) = (Arc::new(gateway.for_thread(transport)), stopped.clone());
            let (done, ended) = oneshot::channel();
            // The runtime is made in its thread: one dropped here, in the
            // caller's async context (when the thread cannot be spawned),
            // would panic.
            std::thread::Builder::new().name(format!("pbx-serve-{i}")).spawn(move || {
                let mut builder = tokio::runtime::Builder::new_current_thread();
                // Polls before it sleeps while its waits are short (see poll.rs).
                let poll = (!gateway.busy_poll.is_zero()).then(|| BusyPoll::new(gateway.busy_poll));
                if let Some(poll) = &poll {
                    poll.hook(&mut builder);
                }
                let runtime = match builder.enable_all().build() {
                    Ok(runtime) => runtime,
                    Err(e) => return eprintln!("pbx-host serve: thread {i} could not start its runtime: {e}"),
                };
                runtime.block_on(async move {
                    if let Some(poll) = poll {
                        tokio::spawn(poll.run());
                    }
                    let mut connections = match TcpListener::from_std(listener) {
                        // One thread sweeps the warm instances.
                        Ok(listener) => accept_loop(gateway, listener, stopped, i == 0).await,
                        Err(e) => return eprintln!("pbx-host serve: thread {i} could not take the listener: {e}"),
                    };
                    // Stopped: the listener is closed; the connections
                    // still open are served to their end.
                    let _ = done.send(());
                    while connections.join_next().await.is_some() {}
                });
            })?;
            loops.push(ended);
        }
        Ok(Server { addr, stop, loops })
    }

    /// Stops accepting connections and waits for the accept loops to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.wait().await;
    }

    /// Serves until the accept loops end (the CLI: until killed).
    pub async fn wait(mut self) {
        for ended in self.loops.drain(..) {
            let _ = ended.await;
        }
    }
}

/// Accepts connections from `listener` until `stopped` is set (or its
/// sender is gone), serving each in a task of the set it returns (the
/// listener is closed by then); with `sweep`, drops warm instances idle
/// past `Reuse::max_idle` while no request comes to do it.
async fn accept_loop(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    mut stopped: watch::Receiver<bool>,
    sweep: bool,
) -> JoinSet<()> {
    let mut connections = JoinSet::new();
    // Ticks on every thread, though only one sweeps: a timer always due
    // within a second keeps tokio from waking its own thread for each timer
    // a request sets later than that (the guest's deadline, the connect
    // bound, the head and body timeouts). Tokio wakes the thread (a write
    // to its eventfd, and a turn of its event loop) whenever a new timer is
    // due before every timer it has: on a thread without one, every
    // request's first (strace: two writes per request). Measured side by
    // side (`PBX_BENCH_SERVED`, six pairs): p50 at 1 about 5 us lower, server
    // CPU about 8 us lower per request. An idle thread wakes once a second.
    let mut sweeper = tokio::time::interval(Duration::from_secs(1));
    loop {
        let accepted = tokio::select! {
            _ = stopped.changed() => break,
            _ = sweeper.tick() => {
                if sweep {
                    gateway.instances.expire();
                }
                continue;
            }
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors (or another passing failure): accept
            // would fail again at once, so wait a little rather than spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        // Small request/response exchanges: no Nagle delay.
        let _ = stream.set_nodelay(true);
        // Reap the connections that ended, so the set stays small.
        while connections.try_join_next().is_some() {}
        // Its polls are work to the busy poll (poll.rs).
        connections.spawn(counted(serve_connection(gateway.clone(), stream)));
    }
    connections
}
