//! One batch of orders from its read to its commit: read by one statement, planned by the
//! runner itself (a plan is pure and short), and written by one statement. The orders
//! that wait together stay together through both statements, so each statement's and
//! each commit's fixed cost is shared by all of them (docs/performance.md, "Batches that
//! carry their orders from read to commit").
use super::combiner::Batchable;
use super::read::{ReadJob, read_all};
use super::write::write_all;
use crate::Result;
use crate::events::subscriptions::Subscriptions;
use crate::offers::automatic::AutomaticOffers;
use crate::orders::prepared::PreparedOrder;
use crate::program::PolicyCache;
use loyalty_entities::{member, order};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use uuid::Uuid;

/// An order of a batch: what it reads, and what its plan needs.
#[derive(Debug)]
pub struct OrderJob {
    /// What the batch's read looks up for it.
    pub read: ReadJob,
    /// Its key, its customer and the codes it presents (the vouchers it may use up): no
    /// two orders of a batch share one.
    pub claims: Vec<String>,
    /// The order as sent.
    pub order: ToPlan,
}

/// What planning an order needs besides what its batch read.
#[derive(Debug)]
pub struct ToPlan {
    /// The shops' policies (the order plans against the version its read found).
    pub policies: Arc<PolicyCache>,
    /// The shops' automatic offers (used only when cached at the version the read found).
    pub automatic: Arc<AutomaticOffers>,
    /// The order, prepared as for the locked path.
    pub order: PreparedOrder,
    /// The shop's webhook subscriptions, when its orders raise events: the batch writes
    /// the events' rows with the order's.
    pub subscriptions: Option<Arc<Subscriptions>>,
}

/// The order row and its customer's row as saved; `None` when the order must take the
/// portable path (nothing of it was written then); an error when its plan refused it.
pub type OrderOutput = Result<Option<(order::Model, member::Model)>>;

impl Batchable for OrderJob {
    type Output = OrderOutput;

    fn group(&self) -> Uuid {
        self.read.shop_id
    }

    fn claims(&self) -> &[String] {
        &self.claims
    }

    async fn run(db: DatabaseConnection, batch: Vec<Self>) -> Vec<OrderOutput> {
        let count = batch.len();
        let (reads, orders): (Vec<ReadJob>, Vec<ToPlan>) =
            batch.into_iter().map(|job| (job.read, job.order)).unzip();
        let found = read_all(&db, &reads).await;
        let mut outputs: Vec<OrderOutput> = (0..count).map(|_| Ok(None)).collect();
        let (mut at, mut jobs, mut rows) = (Vec::new(), Vec::new(), Vec::new());
        for (i, ((order, read), found)) in orders.into_iter().zip(reads).zip(found).enumerate() {
            match found.and_then(|found| super::plan_found(order, read, found)) {
                Ok(Some((job, row))) => {
                    at.push(i);
                    jobs.push(job);
                    rows.push(row);
                }
                Ok(None) => {}
                Err(e) => outputs[i] = Err(e),
            }
        }
        let written = write_all(&db, &jobs).await;
        for ((i, row), saved) in at.into_iter().zip(rows).zip(written) {
            outputs[i] = saved.map(|saved| saved.map(|member| (row, member)));
        }
        outputs
    }
}
