//! How many instances may live at once, what happens past that, and which
//! warm instances may be reused.
//!
//! The pooling allocator has a fixed number of slots (memories, tables,
//! stacks). Without a gate, the call that finds them all taken fails at once
//! (`maximum concurrent limit of 256 for tables reached`). [`Instances`]
//! hands out one permit per live instance (held by its store, released when
//! the store drops): a call past the limit waits in a FIFO queue for a free
//! slot, up to [`HostOptions::queue_timeout`](crate::HostOptions), then fails
//! with [`QueueTimeout`], which names the limit.
//!
//! It also keeps the idle warm instances ([`Reuse`]): each under a key that
//! encodes the rule for which calls it may serve (see [`Host::call`] and the
//! gateway in [`serve`](crate::serve)). An idle instance still holds its
//! slot, so a call that finds no free slot first evicts the oldest idle one,
//! and an instance is not parked while another call waits for a slot. An
//! instance idle for longer than [`Reuse::max_idle`] is dropped (at the next
//! `take`, `park` or [`Instances::expire`], which the gateway server runs
//! every second), so what it holds (a RingMe token, its heap) does not stay
//! in memory after its tenant stopped calling.
//!
//! [`Host::call`]: crate::Host::call

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Warm-instance reuse: an instance that served a call may serve another
/// call under the same key, at most `max_calls` calls in all, and only
/// while it has been idle less than `max_idle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reuse {
    /// Calls one instance may serve before it is dropped (>= 1; 1 means no
    /// reuse). Bounds whatever an instance accumulates (its heap, the RingMe
    /// token cache, the JSON-RPC id counter).
    pub max_calls: u32,
    /// How long an instance may wait idle for its next call before it is
    /// dropped.
    pub max_idle: Duration,
}

/// The default [`Reuse::max_idle`].
pub const DEFAULT_MAX_IDLE: Duration = Duration::from_secs(60);

impl Default for Reuse {
    /// 1,000 calls per instance, the bound `wasmtime serve` users commonly
    /// pick for `--max-instance-reuse-count`, idle at most
    /// [`DEFAULT_MAX_IDLE`].
    fn default() -> Reuse {
        Reuse { max_calls: 1_000, max_idle: DEFAULT_MAX_IDLE }
    }
}

/// The error of a call that waited [`HostOptions::queue_timeout`](crate::HostOptions)
/// for an instance slot and got none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueTimeout {
    /// The instance limit (`HostOptions::max_instances`).
    pub limit: u32,
    /// How long the call waited.
    pub waited: Duration,
}

impl fmt::Display for QueueTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the instance limit ({}) is reached: every instance is busy and none became free within {} ms \
             (raise HostOptions::max_instances / --max-instances, or the queue timeout, --queue-timeout-ms)",
            self.limit,
            self.waited.as_millis()
        )
    }
}

impl std::error::Error for QueueTimeout {}

/// One idle warm instance.
struct Idle {
    key: String,
    calls: u32,
    /// When it was parked (tokio's clock, which tests can pause).
    since: tokio::time::Instant,
    item: Box<dyn Any + Send>,
}

/// The instance gate and the idle warm instances of one engine.
pub struct Instances {
    semaphore: Arc<Semaphore>,
    limit: u32,
    queue_timeout: Duration,
    reuse: Option<Reuse>,
    /// Oldest first.
    idle: Mutex<VecDeque<Idle>>,
    /// Calls waiting for a slot (an instance is not parked while one waits).
    waiting: AtomicUsize,
}

impl Instances {
    /// A gate of `limit` slots, waiting at most `queue_timeout`; `reuse`
    /// enables warm instances.
    pub fn new(limit: u32, queue_timeout: Duration, reuse: Option<Reuse>) -> Instances {
        Instances {
            semaphore: Arc::new(Semaphore::new(limit as usize)),
            limit,
            queue_timeout,
            reuse: reuse.filter(|r| r.max_calls > 1),
            idle: Mutex::new(VecDeque::new()),
            waiting: AtomicUsize::new(0),
        }
    }

    /// The instance limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The reuse setting, when warm instances are enabled.
    pub fn reuse(&self) -> Option<Reuse> {
        self.reuse
    }

    /// Slots free right now (idle warm instances hold theirs).
    pub fn available(&self) -> usize {
        self.semaphore.available_permits()
    }

    /// Idle warm instances right now.
    pub fn idle(&self) -> usize {
        self.lock().len()
    }

    /// `weight` slots for one new instance: at once when free, else by
    /// evicting idle warm instances, else after waiting in line (FIFO) up to
    /// the queue timeout.
    pub async fn permit(&self, weight: u32) -> Result<OwnedSemaphorePermit, QueueTimeout> {
        loop {
            if let Ok(p) = self.semaphore.clone().try_acquire_many_owned(weight) {
                return Ok(p);
            }
            if !self.evict_one() {
                break;
            }
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        // An instance parked just before `waiting` went up is evicted here;
        // one parked after it sees the waiter and is dropped instead.
        while self.evict_one() {}
        let waited = tokio::time::timeout(self.queue_timeout, self.semaphore.clone().acquire_many_owned(weight)).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        match waited {
            Ok(Ok(p)) => Ok(p),
            // The semaphore is never closed; treat it like a timeout anyway.
            _ => Err(QueueTimeout { limit: self.limit, waited: self.queue_timeout }),
        }
    }

    /// Takes the most recently parked idle instance under `key`, with the
    /// number of calls it has served.
    pub fn take<T: Send + 'static>(&self, key: &str) -> Option<(T, u32)> {
        self.expire();
        let mut idle = self.lock();
        let pos = idle.iter().rposition(|i| i.key == key)?;
        let found = idle.remove(pos)?;
        drop(idle);
        match found.item.downcast::<T>() {
            Ok(item) => Some((*item, found.calls)),
            Err(_) => None,
        }
    }

    /// Parks `item` (an instance with its store, holding its slot) under
    /// `key` after its `calls`-th call, unless reuse is off, it reached the
    /// bound, or a call is waiting for a slot (then it is dropped, freeing
    /// the slot for that call).
    pub fn park<T: Send + 'static>(&self, key: String, item: T, calls: u32) {
        let Some(reuse) = self.reuse else { return };
        if calls >= reuse.max_calls || self.waiting.load(Ordering::SeqCst) > 0 {
            return;
        }
        self.expire();
        self.lock().push_back(Idle { key, calls, since: tokio::time::Instant::now(), item: Box::new(item) });
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.evict_one();
        }
    }

    /// Drops every idle instance.
    pub fn clear(&self) {
        let drained: Vec<Idle> = self.lock().drain(..).collect();
        drop(drained);
    }

    /// Drops the instances idle for [`Reuse::max_idle`] or longer; returns
    /// how many.
    pub fn expire(&self) -> usize {
        let Some(reuse) = self.reuse else { return 0 };
        let now = tokio::time::Instant::now();
        let mut idle = self.lock();
        // Parked in order, so the expired ones are at the front.
        let n = idle.iter().take_while(|i| now.duration_since(i.since) >= reuse.max_idle).count();
        let expired: Vec<Idle> = idle.drain(..n).collect();
        drop(idle);
        // Dropped outside the lock: a store's drop frees its instance.
        drop(expired);
        n
    }

    /// Drops the oldest idle instance (outside the lock); false when none.
    fn evict_one(&self) -> bool {
        let oldest = self.lock().pop_front();
        oldest.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Idle>> {
        // The queue stays consistent whatever panicked while it was held.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}
