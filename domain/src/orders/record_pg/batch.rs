//! One batch of orders from its read to its commit: read by one statement, planned by
//! each order's own task, written by one statement.
//!
//! Read and written by two queues, each order joined whichever read batch and then
//! whichever write batch was next: the orders a runner took were those that happened to
//! wait at that stage at that moment, and four runners shared the clients in flight.
//! Here the orders that wait together stay together through both statements, so one
//! batch carries every order that arrived while the last one ran, and each statement's
//! and each commit's fixed cost is shared by that many.
use super::read::{ReadJob, ReadOutput};
use super::write::{WriteJob, WriteOutput};
use crate::combiner::Batchable;
use sea_orm::DatabaseConnection;
use tokio::sync::oneshot;
use uuid::Uuid;

/// One order of a batch: what it reads, and the channels to its task, which plans it.
#[derive(Debug)]
pub struct OrderJob {
    read: ReadJob,
    claims: Vec<String>,
    found: oneshot::Sender<ReadOutput>,
    planned: oneshot::Receiver<Option<WriteJob>>,
}

/// The task's ends of an [`OrderJob`]'s channels: what its read found, and where its
/// plan goes (`None`, or a dropped sender, writes nothing for it).
#[derive(Debug)]
pub struct Planner {
    /// What the batch's read found for the order (an error when the batch was lost).
    pub found: oneshot::Receiver<ReadOutput>,
    /// The order's rows to write.
    pub planned: oneshot::Sender<Option<WriteJob>>,
}

impl OrderJob {
    /// The job for `read` and the ends its task keeps. `claims` are the names the order
    /// may share with no other of its batch: its key, its customer and the codes it
    /// presents (the vouchers it may use up).
    pub fn new(read: ReadJob, claims: Vec<String>) -> (Self, Planner) {
        let (found_tx, found) = oneshot::channel();
        let (planned, planned_rx) = oneshot::channel();
        let job = Self {
            read,
            claims,
            found: found_tx,
            planned: planned_rx,
        };
        (job, Planner { found, planned })
    }
}

impl Batchable for OrderJob {
    type Output = WriteOutput;

    fn group(&self) -> Uuid {
        self.read.shop_id
    }

    fn claims(&self) -> &[String] {
        &self.claims
    }

    async fn run(db: DatabaseConnection, batch: Vec<Self>) -> Vec<WriteOutput> {
        let count = batch.len();
        let (reads, links): (Vec<ReadJob>, Vec<_>) = batch
            .into_iter()
            .map(|job| (job.read, (job.found, job.planned)))
            .unzip();
        let found = super::read::read_all(&db, reads).await;
        let mut plans = Vec::with_capacity(count);
        for ((found_tx, planned), found) in links.into_iter().zip(found) {
            // A task that is gone (its client hung up) plans nothing: its receiver
            // below then reports a dropped sender.
            let _ = found_tx.send(found);
            plans.push(planned);
        }
        // Every task plans at once; awaiting them in turn waits for the slowest.
        let mut at = Vec::with_capacity(count);
        let mut jobs = Vec::with_capacity(count);
        for (i, planned) in plans.into_iter().enumerate() {
            if let Ok(Some(job)) = planned.await {
                at.push(i);
                jobs.push(job);
            }
        }
        let written = super::write::write_all(&db, jobs).await;
        let mut outputs: Vec<WriteOutput> = (0..count).map(|_| Ok(None)).collect();
        for (i, output) in at.into_iter().zip(written) {
            outputs[i] = output;
        }
        outputs
    }
}
