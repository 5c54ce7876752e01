//! Which requests run now: at most `LOYALTY_MAX_IN_FLIGHT` at once; of those, one shop
//! may hold `LOYALTY_MAX_IN_FLIGHT_PER_SHOP` while it is the only one asking, and
//! `LOYALTY_MAX_IN_FLIGHT_PER_SHOP_SHARED` while others ask too; when a place frees, it
//! goes to the waiting shop with the fewest requests running.
//!
//! A plain FIFO queue in front of the pool (what tower's concurrency limit gives) lets one
//! shop that sends a thousand requests put a thousand requests ahead of every other shop:
//! their reads wait for the whole burst. Here a shop's burst waits behind its own
//! requests only, and another shop's request takes the next free place. A place is not
//! the CPU, though: a request that gets its place at once still runs beside the burst's
//! running requests, and on a saturated machine its latency grows with their number. So
//! a shop alone gets a large share (its orders batch better with many in flight), and as
//! soon as another shop has asked within the last second, every shop's share shrinks to
//! about the machine's cores: the burst drains to that within one request's time.
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use uuid::Uuid;

/// Whose share a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// A shop's keys.
    Shop(Uuid),
    /// The operator token.
    Operator,
    /// Requests without a valid key: they share one bucket, so that a flood of anonymous
    /// or made-up keys cannot take the places of the shops.
    Anonymous,
}

/// How many places one bucket may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shares {
    /// While no other bucket has asked within `window`.
    pub alone: usize,
    /// While another has.
    pub shared: usize,
    /// How long a bucket counts as asking after its last request was admitted.
    pub window: Duration,
}

impl Shares {
    /// The same share whoever else asks.
    pub fn fixed(places: usize) -> Self {
        Self {
            alone: places,
            shared: places,
            window: Duration::ZERO,
        }
    }
}

struct Queue {
    running: usize,
    waiting: VecDeque<oneshot::Sender<Ticket>>,
    /// When a request of this bucket was last admitted.
    last_admitted: Instant,
}

impl Queue {
    fn new(now: Instant) -> Self {
        Self {
            running: 0,
            waiting: VecDeque::new(),
            last_admitted: now,
        }
    }

    fn asking(&self, now: Instant, window: Duration) -> bool {
        self.running > 0 || !self.waiting.is_empty() || now - self.last_admitted < window
    }
}

#[derive(Default)]
struct State {
    running: usize,
    /// The buckets asking now (running, waiting, or admitted within the window).
    buckets: HashMap<Bucket, Queue>,
    /// When quiet buckets were last forgotten.
    forgotten_at: Option<Instant>,
}

struct Shared {
    total: usize,
    shares: Shares,
    state: Mutex<State>,
}

/// The admission of requests of one replica; cheap to clone.
#[derive(Clone)]
pub struct Admission(Arc<Shared>);

/// A place to run one request; the place frees when the ticket is dropped.
pub struct Ticket {
    shared: Arc<Shared>,
    bucket: Bucket,
    /// Whether the place is counted: false only for a ticket that `send` handed back
    /// because its waiter had gone (nothing was counted for it).
    live: bool,
}

impl Admission {
    /// At most `total` requests at once, of one bucket at most what `shares` says (each
    /// at least 1 and at most `total`).
    pub fn new(total: usize, shares: Shares) -> Self {
        let total = total.max(1);
        Self(Arc::new(Shared {
            total,
            shares: Shares {
                alone: shares.alone.clamp(1, total),
                shared: shares.shared.clamp(1, total),
                window: shares.window,
            },
            state: Mutex::new(State::default()),
        }))
    }

    /// Waits for a place for a request of `bucket`. Dropping the future gives up the
    /// place in the queue (a request that timed out while waiting).
    pub async fn admit(&self, bucket: Bucket) -> Ticket {
        let receiver = {
            let mut state = self.0.lock();
            let now = Instant::now();
            self.0.forget_quiet(&mut state, now);
            let free = state.running < self.0.total;
            let others = state.buckets.len() - usize::from(state.buckets.contains_key(&bucket));
            let share = self.0.share(others + 1);
            let queue = state
                .buckets
                .entry(bucket)
                .or_insert_with(|| Queue::new(now));
            if free && queue.running < share && queue.waiting.is_empty() {
                queue.running += 1;
                queue.last_admitted = now;
                state.running += 1;
                return Ticket {
                    shared: self.0.clone(),
                    bucket,
                    live: true,
                };
            }
            let (sender, receiver) = oneshot::channel();
            queue.waiting.push_back(sender);
            receiver
        };
        match receiver.await {
            Ok(ticket) => ticket,
            // Senders are only dropped with the admission itself; wait no longer.
            Err(_) => Ticket {
                shared: self.0.clone(),
                bucket,
                live: false,
            },
        }
    }

    /// Requests waiting for a place now, of every bucket.
    pub fn waiting(&self) -> usize {
        let state = self.0.lock();
        state.buckets.values().map(|q| q.waiting.len()).sum()
    }

    /// Requests running now, in all and of `bucket` (for tests and metrics).
    pub fn running(&self, bucket: Bucket) -> (usize, usize) {
        let state = self.0.lock();
        let of_bucket = state.buckets.get(&bucket).map_or(0, |q| q.running);
        (state.running, of_bucket)
    }
}

impl Shared {
    /// One bucket's share while `asking` buckets ask: the larger one while it is alone.
    fn share(&self, asking: usize) -> usize {
        if asking > 1 {
            self.shares.shared
        } else {
            self.shares.alone
        }
    }

    /// Forgets the buckets that have stopped asking, at most ten times a second (a
    /// bucket kept a little longer only keeps the shares small a little longer).
    fn forget_quiet(&self, state: &mut State, now: Instant) {
        if state
            .forgotten_at
            .is_some_and(|at| now - at < Duration::from_millis(100))
        {
            return;
        }
        state.forgotten_at = Some(now);
        let window = self.shares.window;
        state.buckets.retain(|_, q| q.asking(now, window));
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the counts half-changed (each
        // critical section changes them together), so a poisoned lock is still right.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Frees the place of a request of `bucket` and hands free places to waiters.
    fn release(self: &Arc<Self>, bucket: Bucket) {
        let mut state = self.lock();
        state.running = state.running.saturating_sub(1);
        if let Some(queue) = state.buckets.get_mut(&bucket) {
            queue.running = queue.running.saturating_sub(1);
        }
        self.dispatch(&mut state);
    }

    /// Gives each free place to the first waiter of the bucket with the fewest requests
    /// running (below its share), and forgets buckets that have stopped asking.
    fn dispatch(self: &Arc<Self>, state: &mut State) {
        let now = Instant::now();
        self.forget_quiet(state, now);
        while state.running < self.total {
            let share = self.share(state.buckets.len());
            let next = state
                .buckets
                .iter()
                .filter(|(_, q)| !q.waiting.is_empty() && q.running < share)
                .min_by_key(|(_, q)| q.running)
                .map(|(b, _)| *b);
            let Some(bucket) = next else { break };
            let Some(queue) = state.buckets.get_mut(&bucket) else {
                break;
            };
            let Some(sender) = queue.waiting.pop_front() else {
                continue;
            };
            let ticket = Ticket {
                shared: self.clone(),
                bucket,
                live: true,
            };
            // Counted before the waiter can drop it: its release waits for this lock. A
            // ticket sent to a waiter that then gives up is dropped with the channel and
            // frees its place like any other.
            let sent = match sender.send(ticket) {
                Ok(()) => true,
                // The waiter gave up before (its request timed out): nothing was counted,
                // and the place goes to the next one.
                Err(mut unsent) => {
                    unsent.live = false;
                    false
                }
            };
            if sent {
                queue.running += 1;
                queue.last_admitted = now;
                state.running += 1;
            }
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.live {
            self.shared.release(self.bucket);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn shop(n: u128) -> Bucket {
        Bucket::Shop(Uuid::from_u128(n))
    }

    #[tokio::test]
    async fn a_shop_alone_gets_its_share_and_no_more() {
        let admission = Admission::new(4, Shares::fixed(3));
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(admission.admit(shop(1)).await);
        }
        let fourth = tokio::time::timeout(Duration::from_millis(50), admission.admit(shop(1)));
        assert!(fourth.await.is_err(), "over its share, a shop waits");
        assert_eq!(admission.running(shop(1)), (3, 3));
        // Another shop takes the place left free at once.
        let other = admission.admit(shop(2)).await;
        assert_eq!(admission.running(shop(2)), (4, 1));
        drop(other);
        drop(held);
        assert_eq!(admission.running(shop(1)), (0, 0));
    }

    #[tokio::test]
    async fn a_shops_share_shrinks_while_another_asks() {
        let window = Duration::from_millis(300);
        let admission = Admission::new(
            8,
            Shares {
                alone: 4,
                shared: 2,
                window,
            },
        );
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(admission.admit(shop(1)).await);
        }
        // Another shop asks: it runs at once, and shop 1 may not add to its four.
        drop(admission.admit(shop(2)).await);
        let more = tokio::time::timeout(Duration::from_millis(50), admission.admit(shop(1)));
        assert!(more.await.is_err(), "shop 2 asked within the window");
        // Shop 1 drains to the shared share of 2 before it gets a place again.
        held.truncate(2);
        let third = tokio::time::timeout(Duration::from_millis(50), admission.admit(shop(1)));
        assert!(third.await.is_err(), "at its shared share of 2");
        held.pop();
        let third = tokio::time::timeout(Duration::from_millis(50), admission.admit(shop(1)));
        assert!(third.await.is_ok(), "below its shared share");
        // Once shop 2 has been quiet for the window, shop 1 has its whole share again.
        tokio::time::sleep(window + Duration::from_millis(150)).await;
        for _ in 0..3 {
            held.push(admission.admit(shop(1)).await);
        }
        assert_eq!(admission.running(shop(1)), (4, 4));
    }

    #[tokio::test]
    async fn a_freed_place_goes_to_the_shop_with_fewest_running() {
        let admission = Admission::new(2, Shares::fixed(2));
        let a1 = admission.admit(shop(1)).await;
        let a2 = admission.admit(shop(1)).await;
        let queued_a = tokio::spawn({
            let admission = admission.clone();
            async move { admission.admit(shop(1)).await }
        });
        tokio::task::yield_now().await;
        let queued_b = tokio::spawn({
            let admission = admission.clone();
            async move { admission.admit(shop(2)).await }
        });
        // Let both waiters enqueue: shop 1's first, then shop 2's.
        while !admission.0.lock().buckets.contains_key(&shop(2)) {
            tokio::task::yield_now().await;
        }
        drop(a1);
        let b = queued_b.await.ok();
        assert!(b.is_some(), "shop 2 runs nothing, so it goes first");
        assert_eq!(admission.running(shop(2)).1, 1);
        assert!(!queued_a.is_finished());
        drop(a2);
        let a = queued_a.await.ok();
        assert!(a.is_some());
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_does_not_keep_a_place() {
        let admission = Admission::new(1, Shares::fixed(1));
        let held = admission.admit(shop(1)).await;
        let gave_up =
            tokio::time::timeout(Duration::from_millis(20), admission.admit(shop(2))).await;
        assert!(gave_up.is_err());
        drop(held);
        assert_eq!(admission.running(shop(2)), (0, 0));
        let again = tokio::time::timeout(Duration::from_millis(500), admission.admit(shop(3)));
        assert!(again.await.is_ok(), "the place was not lost");
    }
}
