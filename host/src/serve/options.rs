//! What a served gateway gets: its environment, its transport and the
//! connection deadlines ([`ServeOptions`]).

pub use super::poll::DEFAULT_BUSY_POLL;
use crate::Transport;
use std::time::Duration;

/// The default [`ServeOptions::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`ServeOptions::body_timeout`].
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default [`ServeOptions::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// What the served gateway gets.
#[derive(Clone)]
pub struct ServeOptions {
    /// Its environment; only the `PBX_*` entries are passed on.
    pub env: Vec<(String, String)>,
    /// Where its outgoing requests go.
    pub transport: Transport,
    /// How long a request's head (request line and headers) may take to
    /// arrive, from the connection's start or the request's first byte
    /// (default [`DEFAULT_HEADER_TIMEOUT`]).
    pub header_timeout: Duration,
    /// How long a request's body may take to arrive once its head is in;
    /// also how long the client may leave an answer unread (default
    /// [`DEFAULT_BODY_TIMEOUT`]).
    pub body_timeout: Duration,
    /// How long a keep-alive connection may wait for its next request
    /// (default [`DEFAULT_IDLE_TIMEOUT`]).
    pub idle_timeout: Duration,
    /// The largest window a serving thread of
    /// [`Server::start_per_core`](super::Server::start_per_core) keeps
    /// polling its sockets before it sleeps, adapted to how long its waits
    /// are (see `poll.rs`; default [`DEFAULT_BUSY_POLL`], zero: never).
    /// CPU for latency: it pays where requests and answers come within the
    /// window of each other (a provider nearby, a busy server), and shrinks
    /// to nothing where they do not.
    pub busy_poll: Duration,
}

impl ServeOptions {
    /// `env` and `transport` with the default timeouts.
    pub fn new(env: Vec<(String, String)>, transport: Transport) -> ServeOptions {
        ServeOptions {
            env,
            transport,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            busy_poll: DEFAULT_BUSY_POLL,
        }
    }

    /// The `PBX_*` variables of this process's environment and `transport`.
    pub fn from_process_env(transport: Transport) -> ServeOptions {
        ServeOptions::new(std::env::vars().collect(), transport)
    }
}

/// How long a connection may take over each phase (see [`ServeOptions`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Timeouts {
    pub(super) header: Duration,
    pub(super) body: Duration,
    pub(super) idle: Duration,
}

/// The request body cap: the gateway's own (`BODY_CAP` of the generated
/// `gateway/src/dispatch.rs`, 8 MiB). The host reads the body before it takes an
/// instance, so it refuses a larger one itself, in the gateway's words.
pub const BODY_CAP: usize = 8 * 1024 * 1024;
