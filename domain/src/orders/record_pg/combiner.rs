//! Requests that arrive together, run as one statement.
//!
//! On this kind of machine most of a short write's cost is not the database's work but
//! the messages around it: every round trip wakes two processes, and every commit flushes
//! the write-ahead log. A [`Combiner`] lets concurrent requests share them: a request
//! queues its item, and a runner takes everything queued (up to a batch size) and runs it
//! as one batch; what queues while that batch runs forms the next. An idle system runs
//! each item alone at once: batches grow only with the load, and no request waits for a
//! timer.
//!
//! Items of one batch share a [`Batchable::group`] (the shop: one statement then touches
//! one shop's rows, one shard on a distributed database) and never share a
//! [`Batchable::claims`] name (an order key, a customer, a voucher), so that no batch
//! fails on its own duplicates.
use sea_orm::DatabaseConnection;
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;
use uuid::Uuid;

/// An item that can be run together with others of its group.
pub trait Batchable: Send + Sized + 'static {
    /// What each item gets back.
    type Output: Send + 'static;

    /// Items of one batch share this.
    fn group(&self) -> Uuid;

    /// Names that may appear at most once in a batch (none by default).
    fn claims(&self) -> &[String] {
        &[]
    }

    /// Runs the batch; returns one output per item, in the batch's order.
    fn run(
        db: DatabaseConnection,
        batch: Vec<Self>,
    ) -> impl Future<Output = Vec<Self::Output>> + Send;
}

/// How many batches may run at once, and how large each may be.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    /// Batches running at once (each holds one pooled connection while it runs).
    pub runners: usize,
    /// Items in one batch at most.
    pub max_items: usize,
    /// Items that must be waiting for a runner beyond the first to start, or to take
    /// another batch, unless they belong to different groups. One runner takes whatever
    /// waits; a second one running beside it on a handful of items of one group would
    /// split the next batch in two, and each statement's fixed cost would be paid twice
    /// for the same items.
    pub spill: usize,
}

type Waiting<B> = (B, oneshot::Sender<<B as Batchable>::Output>);

struct Queue<B: Batchable> {
    waiting: VecDeque<Waiting<B>>,
    running: usize,
}

/// A queue of items and the runners that empty it in batches (see the module doc).
pub struct Combiner<B: Batchable> {
    queue: Mutex<Queue<B>>,
    limits: BatchLimits,
    /// Counted as `loyalty_batches_total{stage}` and `loyalty_batched_items_total{stage}`.
    stage: &'static str,
}

impl<B: Batchable> std::fmt::Debug for Combiner<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Combiner")
            .field("stage", &self.stage)
            .field("limits", &self.limits)
            .finish()
    }
}

impl<B: Batchable> Combiner<B> {
    /// An empty combiner; `stage` names it in metrics.
    pub fn new(stage: &'static str, limits: BatchLimits) -> Self {
        Self {
            queue: Mutex::new(Queue {
                waiting: VecDeque::new(),
                running: 0,
            }),
            limits: BatchLimits {
                runners: limits.runners.max(1),
                max_items: limits.max_items.max(1),
                spill: limits.spill.max(1),
            },
            stage,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue<B>> {
        // A runner that panicked holding the lock left the queue consistent (every
        // change is a single push, pop or counter step), so the poison is ignored.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `item` in the next batch of its group; `None` when its batch was lost (a
    /// runner panicked), in which case the caller must not assume it ran or not.
    pub async fn submit(self: &Arc<Self>, db: &DatabaseConnection, item: B) -> Option<B::Output> {
        let (tx, rx) = oneshot::channel();
        let start_runner = {
            let mut queue = self.lock();
            queue.waiting.push_back((item, tx));
            let start = queue.running == 0
                || (queue.running < self.limits.runners && self.worth_another(&queue));
            if start {
                queue.running += 1;
            }
            start
        };
        if start_runner {
            let (me, db) = (self.clone(), db.clone());
            tokio::spawn(async move { me.drain(db).await });
        }
        rx.await.ok()
    }

    /// Whether a runner beyond the first should start, or go on, for what waits: enough
    /// items for two batches to be worth their fixed cost, or items of different groups
    /// (shops), which never share a batch anyway.
    fn worth_another(&self, queue: &Queue<B>) -> bool {
        if queue.waiting.len() >= self.limits.spill {
            return true;
        }
        let mut groups = queue.waiting.iter().map(|(item, _)| item.group());
        groups
            .next()
            .is_some_and(|first| groups.any(|group| group != first))
    }

    /// Runs batches until the queue is empty.
    async fn drain(self: Arc<Self>, db: DatabaseConnection) {
        let mut place = Running {
            combiner: self.clone(),
            db: db.clone(),
            finished: false,
        };
        loop {
            let batch = {
                let mut queue = self.lock();
                // Decided under the lock: a runner stops only while another one runs,
                // which will take what waits.
                let batch = if queue.running == 1 || self.worth_another(&queue) {
                    take_batch(&mut queue.waiting, self.limits.max_items)
                } else {
                    Vec::new()
                };
                if batch.is_empty() {
                    queue.running -= 1;
                    place.finished = true;
                    return;
                }
                batch
            };
            metrics::counter!("loyalty_batches_total", "stage" => self.stage).increment(1);
            metrics::counter!("loyalty_batched_items_total", "stage" => self.stage)
                .increment(batch.len() as u64);
            let (items, senders): (Vec<B>, Vec<_>) = batch.into_iter().unzip();
            let started = std::time::Instant::now();
            let outputs = B::run(db.clone(), items).await;
            metrics::histogram!("loyalty_batch_duration_seconds", "stage" => self.stage)
                .record(started.elapsed().as_secs_f64());
            for (tx, output) in senders.into_iter().zip(outputs) {
                // The requester may have gone (its client hung up): the work stands.
                let _ = tx.send(output);
            }
        }
    }
}

/// A runner's place in the queue. A runner that ends before the queue is empty (its
/// batch panicked) hands its place to a new runner, so that the items queued behind it
/// are still run; without a runtime to start one, it gives the place back.
struct Running<B: Batchable> {
    combiner: Arc<Combiner<B>>,
    db: DatabaseConnection,
    finished: bool,
}

impl<B: Batchable> Drop for Running<B> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let runtime = tokio::runtime::Handle::try_current().ok();
        let mut queue = self.combiner.lock();
        match runtime {
            Some(runtime) if !queue.waiting.is_empty() => {
                drop(queue);
                let (me, db) = (self.combiner.clone(), self.db.clone());
                runtime.spawn(async move { me.drain(db).await });
            }
            _ => queue.running -= 1,
        }
    }
}

/// Runs a batch of `len` items with `run` (given the range of items to run); when the
/// batch fails as a whole, runs each item alone, so that one item's failure is that
/// item's answer only. `settle` turns an error into the answer of the items it stands
/// for. `run` returns one answer per item of its range.
pub async fn whole_or_each<O, E, Fut>(
    len: usize,
    run: impl Fn(Range<usize>) -> Fut,
    settle: impl Fn(E) -> O,
) -> Vec<O>
where
    Fut: Future<Output = Result<Vec<O>, E>>,
{
    match run(0..len).await {
        Ok(all) => all,
        Err(e) if len <= 1 => vec![settle(e)],
        Err(_) => {
            let mut each = Vec::with_capacity(len);
            for i in 0..len {
                match run(i..i + 1).await {
                    Ok(one) => each.extend(one),
                    Err(e) => each.push(settle(e)),
                }
            }
            each
        }
    }
}

/// The first waiting item and, in queue order, every later one of its group that claims
/// nothing already taken, up to `max` items; the rest stay queued in order.
fn take_batch<B: Batchable>(waiting: &mut VecDeque<Waiting<B>>, max: usize) -> Vec<Waiting<B>> {
    let Some(group) = waiting.front().map(|(item, _)| item.group()) else {
        return Vec::new();
    };
    let mut taken = Vec::new();
    let mut claimed: HashSet<String> = HashSet::new();
    let mut kept = VecDeque::with_capacity(waiting.len());
    while let Some(entry) = waiting.pop_front() {
        let fits = taken.len() < max && entry.0.group() == group && {
            let claims = entry.0.claims();
            let free = claims.iter().all(|c| !claimed.contains(c));
            if free {
                claimed.extend(claims.iter().cloned());
            }
            free
        };
        if fits {
            taken.push(entry);
        } else {
            kept.push_back(entry);
        }
    }
    *waiting = kept;
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An item of group `.0` claiming the name `.1`.
    struct Item(Uuid, [String; 1]);

    fn item(group: Uuid, name: &str) -> Item {
        Item(group, [name.to_string()])
    }

    impl Batchable for Item {
        type Output = ();
        fn group(&self) -> Uuid {
            self.0
        }
        fn claims(&self) -> &[String] {
            &self.1
        }
        async fn run(_: DatabaseConnection, batch: Vec<Self>) -> Vec<()> {
            vec![(); batch.len()]
        }
    }

    fn queue(items: Vec<Item>) -> VecDeque<Waiting<Item>> {
        items
            .into_iter()
            .map(|i| (i, oneshot::channel().0))
            .collect()
    }

    fn names(batch: &[Waiting<Item>]) -> Vec<&str> {
        batch.iter().map(|(i, _)| i.1[0].as_str()).collect()
    }

    #[test]
    fn a_batch_takes_one_group_without_repeated_claims_and_keeps_the_rest_in_order() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut waiting = queue(vec![
            item(a, "x"),
            item(b, "y"),
            item(a, "x"),
            item(a, "z"),
            item(a, "w"),
        ]);
        let batch = take_batch(&mut waiting, 10);
        assert_eq!(names(&batch), ["x", "z", "w"]);
        assert_eq!(
            waiting
                .iter()
                .map(|(i, _)| (i.0, i.1[0].as_str()))
                .collect::<Vec<_>>(),
            [(b, "y"), (a, "x")]
        );
        assert_eq!(names(&take_batch(&mut waiting, 10)), ["y"]);
        assert_eq!(names(&take_batch(&mut waiting, 10)), ["x"]);
        assert!(take_batch(&mut waiting, 10).is_empty());
    }

    #[test]
    fn a_batch_stops_at_its_size() {
        let a = Uuid::from_u128(1);
        let mut waiting = queue(vec![item(a, "1"), item(a, "2"), item(a, "3")]);
        assert_eq!(names(&take_batch(&mut waiting, 2)), ["1", "2"]);
        assert_eq!(names(&take_batch(&mut waiting, 2)), ["3"]);
    }

    /// Items tagged with a number; a batch answers each with its number and the batch's
    /// size, after a pause long enough for the others to queue.
    struct Slow(u32);

    impl Batchable for Slow {
        type Output = (u32, usize);
        fn group(&self) -> Uuid {
            Uuid::nil()
        }
        async fn run(_: DatabaseConnection, batch: Vec<Self>) -> Vec<(u32, usize)> {
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            let size = batch.len();
            batch.into_iter().map(|s| (s.0, size)).collect()
        }
    }

    #[tokio::test]
    async fn items_sent_together_share_batches_and_each_gets_its_own_answer() {
        let limits = BatchLimits {
            runners: 2,
            max_items: 16,
            spill: 1,
        };
        let combiner = Arc::new(Combiner::new("test", limits));
        let db = DatabaseConnection::default();
        let sent = (0..40u32).map(|n| {
            let (combiner, db) = (combiner.clone(), db.clone());
            tokio::spawn(async move { combiner.submit(&db, Slow(n)).await })
        });
        let mut answers = Vec::new();
        for handle in sent.collect::<Vec<_>>() {
            answers.push(handle.await.ok().flatten());
        }
        for (n, answer) in answers.iter().enumerate() {
            let Some((tag, size)) = answer else {
                panic!("item {n} got no answer")
            };
            assert_eq!(*tag as usize, n, "each item gets its own answer");
            assert!((1..=16).contains(size), "batch of {size}");
        }
        let largest = answers.iter().flatten().map(|a| a.1).max();
        assert!(largest > Some(1), "items that queued together ran together");
        // A runner hands out its answers before it looks at the queue again.
        for _ in 0..100 {
            if combiner.lock().running == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("runners stop when the queue is empty");
    }

    #[tokio::test]
    async fn a_second_runner_waits_for_enough_items() {
        let limits = BatchLimits {
            runners: 2,
            max_items: 16,
            spill: 4,
        };
        let combiner = Arc::new(Combiner::new("test", limits));
        let db = DatabaseConnection::default();
        let send = |n: u32| {
            let (combiner, db) = (combiner.clone(), db.clone());
            tokio::spawn(async move { combiner.submit(&db, Slow(n)).await })
        };
        let first = send(0);
        // Queued while the first batch runs: fewer than `spill`, so no second runner
        // takes them apart; the first takes both once its batch is done.
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let (second, third) = (send(1), send(2));
        let answers = [first.await, second.await, third.await].map(|h| h.ok().flatten());
        assert_eq!(answers, [Some((0, 1)), Some((1, 2)), Some((2, 2))]);
    }

    /// An item of a group whose batch, when the item holds a gate, waits for the gate.
    struct Gated(Uuid, Option<Arc<tokio::sync::Notify>>);

    impl Batchable for Gated {
        type Output = Uuid;
        fn group(&self) -> Uuid {
            self.0
        }
        async fn run(_: DatabaseConnection, batch: Vec<Self>) -> Vec<Uuid> {
            for gate in batch.iter().filter_map(|g| g.1.as_ref()) {
                gate.notified().await;
            }
            batch.into_iter().map(|g| g.0).collect()
        }
    }

    #[tokio::test]
    async fn items_of_other_groups_start_a_second_runner_below_the_spill() {
        let limits = BatchLimits {
            runners: 2,
            max_items: 16,
            spill: 16,
        };
        let combiner = Arc::new(Combiner::new("test", limits));
        let db = DatabaseConnection::default();
        let send = |group: u128, gate: Option<Arc<tokio::sync::Notify>>| {
            let (combiner, db) = (combiner.clone(), db.clone());
            tokio::spawn(async move {
                combiner
                    .submit(&db, Gated(Uuid::from_u128(group), gate))
                    .await
            })
        };
        let gate = Arc::new(tokio::sync::Notify::new());
        let held = send(1, Some(gate.clone()));
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        // Two shops wait behind the held batch: they cannot join it, so a second runner
        // takes the first of them while it is held.
        let (other, third) = (send(2, None), send(3, None));
        let ran = tokio::time::timeout(std::time::Duration::from_secs(5), other).await;
        assert!(
            matches!(ran, Ok(Ok(Some(g))) if g == Uuid::from_u128(2)),
            "another shop's item ran beside the held batch"
        );
        gate.notify_one();
        for (handle, group) in [(held, 1), (third, 3)] {
            let answer = tokio::time::timeout(std::time::Duration::from_secs(5), handle).await;
            assert!(matches!(answer, Ok(Ok(Some(g))) if g == Uuid::from_u128(group)));
        }
    }

    /// A batch that panics when it holds item 0, slowly enough for others to queue.
    struct Fragile(u32);

    impl Batchable for Fragile {
        type Output = u32;
        fn group(&self) -> Uuid {
            Uuid::nil()
        }
        async fn run(_: DatabaseConnection, batch: Vec<Self>) -> Vec<u32> {
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            assert!(batch.iter().all(|f| f.0 != 0), "a batch that fails hard");
            batch.into_iter().map(|f| f.0).collect()
        }
    }

    #[tokio::test]
    async fn items_queued_behind_a_batch_that_panicked_still_run() {
        let limits = BatchLimits {
            runners: 1,
            max_items: 16,
            spill: 1,
        };
        let combiner = Arc::new(Combiner::new("test", limits));
        let db = DatabaseConnection::default();
        let first = {
            let (combiner, db) = (combiner.clone(), db.clone());
            tokio::spawn(async move { combiner.submit(&db, Fragile(0)).await })
        };
        // Queued while the first batch (item 0 alone) is running.
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let rest: Vec<_> = (1..5u32)
            .map(|n| {
                let (combiner, db) = (combiner.clone(), db.clone());
                tokio::spawn(async move { combiner.submit(&db, Fragile(n)).await })
            })
            .collect();
        let lost = tokio::time::timeout(std::time::Duration::from_secs(5), first).await;
        assert!(
            matches!(lost, Ok(Ok(None))),
            "the panicked batch's item is lost"
        );
        for (n, handle) in (1..5u32).zip(rest) {
            let answer = tokio::time::timeout(std::time::Duration::from_secs(5), handle).await;
            assert!(matches!(answer, Ok(Ok(Some(a))) if a == n), "item {n} ran");
        }
    }

    #[tokio::test]
    async fn a_batch_that_fails_whole_is_run_item_by_item() {
        // Item 2 fails wherever it runs; the others succeed when run without it.
        let run = |range: Range<usize>| async move {
            if range.contains(&2) {
                Err(format!("item 2 in {range:?}"))
            } else {
                Ok(range
                    .map(|i| Ok(i * 10))
                    .collect::<Vec<Result<usize, String>>>())
            }
        };
        let answers = whole_or_each(4, run, Err).await;
        assert_eq!(
            answers,
            [Ok(0), Ok(10), Err("item 2 in 2..3".to_string()), Ok(30)]
        );
        assert_eq!(whole_or_each(2, run, Err).await, [Ok(0), Ok(10)]);
        assert_eq!(
            whole_or_each(
                1,
                |_| async { Err::<Vec<Result<u8, &str>>, _>("alone") },
                Err
            )
            .await,
            [Err("alone")]
        );
    }
}
