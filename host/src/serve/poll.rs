//! A serving thread's busy poll ([`BusyPoll`]): before the thread sleeps,
//! it keeps checking its sockets for a while, as long as its recent waits
//! were short and no longer than it has just worked: an adaptive window,
//! grown and closed as Linux's KVM does for a virtual CPU's halt polling
//! (`halt_poll_ns`, default 200 us), and a budget.
//!
//! Why: on a virtual machine whose idle CPUs halt at once (the benchmark's,
//! `haltpoll` with `guest_halt_poll_ns` 0), every sleep of a serving thread
//! costs a VM exit and a wake-up. At one request at a time against a
//! loopback provider the gateway's thread slept twice per request (for the
//! provider's answer and for the client's next request). In the benchmark's
//! steady loop (50,000 requests at 1; BENCHMARKS.md, "Why the gateway ratio
//! is missed"), the gateway's p50 was 220-235 us without the poll and
//! 147-155 us with it. Where the gain is smaller (bare metal, or a VM whose
//! idle CPUs poll themselves), the CPU it spends is still spent.
//!
//! What bounds it:
//! - **The window** ([`next_window`]): it doubles from 10 us after each
//!   wait no longer than the largest window, and closes after a longer
//!   one, so against a provider far away it stays closed.
//! - **The budget:** a thread polls no longer than it worked since it woke
//!   (the tasks it ran, counted by [`counted`]; at most the largest
//!   window). Without it, anything arriving more often than the window (a
//!   client sending a header byte every 150 us, which no token check
//!   sees) kept the thread polling at 96% of a core against 17% without
//!   the poll (review probe); with it, polling costs at most the work it
//!   follows (the same probe in `pbx-host serve`, a byte every ~135 us:
//!   49% of a core with the window alone, 17-18% with the budget, 14%
//!   without the poll).
//!
//! How: a task on the thread's runtime ([`BusyPoll::run`]) yields in a loop
//! while the window is open; each yield makes tokio's single-threaded
//! scheduler poll its driver without blocking (`park_yield`), so a packet
//! that arrives is handled at once. Work is told apart from the poll's own
//! turns by a count of the serving tasks' polls ([`counted`]), not by time
//! (a turn that took long because the thread was preempted is no work).
//! Once the window or the budget is spent the task waits, the thread
//! sleeps, and the runtime's park and unpark hooks time the sleep and
//! adapt the window.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The default [`ServeOptions::busy_poll`](super::ServeOptions::busy_poll):
/// KVM's default `halt_poll_ns`, and Linux's `guest_halt_poll_ns`.
pub const DEFAULT_BUSY_POLL: Duration = Duration::from_micros(200);

/// The first window after none, and the least one: KVM's
/// `halt_poll_ns_grow_start` (10 us).
const START: Duration = Duration::from_micros(10);

thread_local! {
    /// Polls of this thread's serving tasks ([`counted`]).
    static WORK: Cell<u64> = const { Cell::new(0) };
}

pin_project_lite::pin_project! {
    /// A serving task whose polls count as work ([`counted`]).
    pub(super) struct Counted<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        WORK.with(|w| w.set(w.get().wrapping_add(1)));
        self.project().inner.poll(cx)
    }
}

/// `task`, its polls counted as its thread's work: what the busy poll
/// takes for a request or an answer handled, where its own turns are not.
pub(super) fn counted<F: Future>(task: F) -> Counted<F> {
    Counted { inner: task }
}

fn work() -> u64 {
    WORK.with(Cell::get)
}

/// One serving thread's poll: its largest window, its current window, and
/// when the thread last went to sleep and woke.
pub(super) struct BusyPoll {
    max: Duration,
    /// The window, in nanoseconds.
    window: AtomicU64,
    /// When the thread last slept, in nanoseconds since `epoch`.
    parked_at: AtomicU64,
    /// When it last woke, in nanoseconds since `epoch`.
    unparked_at: AtomicU64,
    epoch: Instant,
    wake: Notify,
}

impl BusyPoll {
    /// A poll whose window grows to at most `max` (zero: never polls).
    pub(super) fn new(max: Duration) -> Arc<BusyPoll> {
        Arc::new(BusyPoll {
            max,
            window: AtomicU64::new(0),
            parked_at: AtomicU64::new(0),
            unparked_at: AtomicU64::new(0),
            epoch: Instant::now(),
            wake: Notify::new(),
        })
    }

    /// Installs the park and unpark hooks on the thread's runtime.
    pub(super) fn hook(self: &Arc<Self>, builder: &mut tokio::runtime::Builder) {
        let (parked, unparked) = (self.clone(), self.clone());
        builder.on_thread_park(move || parked.parked_at.store(parked.now(), Relaxed));
        builder.on_thread_unpark(move || unparked.unparked());
    }

    /// The current window.
    fn window(&self) -> Duration {
        Duration::from_nanos(self.window.load(Relaxed))
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// The thread woke: the wait was the window it polled plus the time it
    /// slept.
    fn unparked(&self) {
        let now = self.now();
        self.unparked_at.store(now, Relaxed);
        let slept = Duration::from_nanos(now.saturating_sub(self.parked_at.load(Relaxed)));
        let window = next_window(self.window(), self.window() + slept, self.max);
        self.window.store(u64::try_from(window.as_nanos()).unwrap_or(u64::MAX), Relaxed);
        if !window.is_zero() {
            self.wake.notify_one();
        }
    }

    /// Polls while the window is open and the budget lasts, then waits
    /// for the thread to wake; runs until the runtime ends.
    pub(super) async fn run(self: Arc<Self>) {
        loop {
            // The budget starts with the work the thread did since it woke,
            // before this task's turn (the tasks its wake-up readied).
            let awake = self.now().saturating_sub(self.unparked_at.load(Relaxed));
            let mut budget = Duration::from_nanos(awake).min(self.max);
            let mut seen = work();
            let mut open_until = Instant::now() + self.window();
            loop {
                let before = Instant::now();
                if before >= open_until || budget.is_zero() {
                    break;
                }
                tokio::task::yield_now().await;
                let after = Instant::now();
                let turn = after - before;
                if work() != seen {
                    // Other tasks ran in this turn: it was work, the window
                    // opens again from now, and the budget grows by it.
                    seen = work();
                    budget = (budget + turn).min(self.max);
                    open_until = after + self.window();
                } else {
                    budget = budget.saturating_sub(turn);
                }
            }
            self.wake.notified().await;
        }
    }
}

/// The window after a wait of `waited` (polling included) with `window`,
/// at most `max`: KVM's rule (`kvm_vcpu_halt`, `grow_halt_poll_ns`,
/// `shrink_halt_poll_ns` with `halt_poll_ns_shrink` 0). A wait no longer
/// than `max` would have been caught by a longer window: double it (from
/// [`START`]). A longer wait polled in vain: no window until a short wait
/// again. (Halving instead, against a provider 20 ms away the window swung
/// between 10 and 20 us, the provider's wait halving it and the client's
/// next request doubling it, and cost 40-80 us of CPU per request.)
pub(super) fn next_window(window: Duration, waited: Duration, max: Duration) -> Duration {
    if max.is_zero() || waited > max {
        Duration::ZERO
    } else if window.is_zero() {
        START.min(max)
    } else {
        (window * 2).min(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: Duration = Duration::from_micros(1);

    #[test]
    fn short_waits_grow_the_window_from_the_start_to_the_max() {
        let mut window = Duration::ZERO;
        let mut seen = Vec::new();
        for _ in 0..7 {
            window = next_window(window, 30 * US, 200 * US);
            seen.push(window.as_micros());
        }
        assert_eq!(seen, [10, 20, 40, 80, 160, 200, 200]);
    }

    #[test]
    fn a_long_wait_ends_the_window_and_a_short_one_starts_it_again() {
        assert_eq!(next_window(200 * US, 20_000 * US, 200 * US), Duration::ZERO);
        assert_eq!(next_window(Duration::ZERO, 20_000 * US, 200 * US), Duration::ZERO);
        // A far provider and a near client, in turn.
        let mut window = Duration::ZERO;
        for _ in 0..4 {
            window = next_window(window, 150 * US, 200 * US);
            assert_eq!(window, 10 * US);
            window = next_window(window, 20_000 * US, 200 * US);
            assert_eq!(window, Duration::ZERO);
        }
    }

    #[test]
    fn a_wait_of_exactly_the_max_still_grows_and_a_zero_max_never_polls() {
        assert_eq!(next_window(40 * US, 200 * US, 200 * US), 80 * US);
        assert_eq!(next_window(40 * US, 201 * US, 200 * US), Duration::ZERO);
        assert_eq!(next_window(Duration::ZERO, US, Duration::ZERO), Duration::ZERO);
        assert_eq!(next_window(100 * US, US, Duration::ZERO), Duration::ZERO);
        // A max below the start is the window.
        assert_eq!(next_window(Duration::ZERO, US, 4 * US), 4 * US);
    }
}
