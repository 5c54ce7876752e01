//! Which requests run now: at most `LOYALTY_MAX_IN_FLIGHT` at once, of which one shop may
//! hold at most `LOYALTY_MAX_IN_FLIGHT_PER_SHOP`; when a place frees, it goes to the
//! waiting shop with the fewest requests running.
//!
//! A plain FIFO queue in front of the pool (what tower's concurrency limit gives) lets one
//! shop that sends a thousand requests put a thousand requests ahead of every other shop:
//! their reads wait for the whole burst. Here a shop's burst waits behind its own
//! requests only, another shop's request takes the next free place, and the per-shop cap
//! keeps places free for others even before anyone waits. A shop alone still gets its
//! whole share: nothing is held back for shops that are not asking.
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
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

#[derive(Default)]
struct Queue {
    running: usize,
    waiting: VecDeque<oneshot::Sender<Ticket>>,
}

#[derive(Default)]
struct State {
    running: usize,
    buckets: HashMap<Bucket, Queue>,
}

struct Shared {
    total: usize,
    per_bucket: usize,
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
    /// At most `total` requests at once, at most `per_bucket` of one shop (both at least 1).
    pub fn new(total: usize, per_bucket: usize) -> Self {
        let total = total.max(1);
        Self(Arc::new(Shared {
            total,
            per_bucket: per_bucket.clamp(1, total),
            state: Mutex::new(State::default()),
        }))
    }

    /// Waits for a place for a request of `bucket`. Dropping the future gives up the
    /// place in the queue (a request that timed out while waiting).
    pub async fn admit(&self, bucket: Bucket) -> Ticket {
        let receiver = {
            let mut state = self.0.lock();
            let free = state.running < self.0.total;
            let queue = state.buckets.entry(bucket).or_default();
            if free && queue.running < self.0.per_bucket && queue.waiting.is_empty() {
                queue.running += 1;
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
    /// running (below its cap), and forgets buckets with nothing running or waiting.
    fn dispatch(self: &Arc<Self>, state: &mut State) {
        while state.running < self.total {
            let next = state
                .buckets
                .iter()
                .filter(|(_, q)| !q.waiting.is_empty() && q.running < self.per_bucket)
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
                state.running += 1;
            }
        }
        state
            .buckets
            .retain(|_, q| q.running > 0 || !q.waiting.is_empty());
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
        let admission = Admission::new(4, 3);
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
    async fn a_freed_place_goes_to_the_shop_with_fewest_running() {
        let admission = Admission::new(2, 2);
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
        let admission = Admission::new(1, 1);
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
