//! Recording orders on PostgreSQL: the orders of a shop in flight together are read by
//! one statement and written by one, because round trips, not work, are what an order
//! costs (docs/performance.md).
//!
//! An order reads what it needs without locking, is planned with the same planner as the
//! locked path ([`super::plan`]), and is written by a statement that checks what the plan
//! assumed ([`write`]). A failed check, a unique-key race or anything unusual the read
//! finds sends the order to the locked path ([`super::record_locked`]), which waits for
//! locks instead: the result is the same as if this path had not been tried, and
//! `tests/e2e/order_paths.rs` proves both write the same rows.
//!
//! Orders go through a [`Combiner`] of [`batch::OrderJob`]s; a batch whose check fails is
//! written again order by order, and the orders of one customer take turns on this
//! replica ([`turns`]) so that a batch never fails on this replica's own orders. Batches
//! run on [`Ctx::order_db`], whose connections plan each statement once with sequential
//! scans off: both statements find rows only by key (see `loyalty_api::db`).
use super::plan::{Loaded, OrderPlan, plan};
use super::prepared::PreparedOrder;
use super::result::{OrderOutcome, outcome};
use crate::events::{outbox, subscriptions};
use crate::ledger::LiveBalance;
use crate::members::Member;
use crate::offers::usage::Usage;
use crate::vouchers::lookup;
use crate::{Ctx, Result, ids::new_id};
use chrono::{DateTime, Utc};
use combiner::{BatchLimits, Combiner};
use loyalty_entities::{event, webhook_delivery};
use std::sync::Arc;

mod batch;
pub mod combiner;
mod read;
pub mod turns;
mod write;

use batch::{OrderJob, ToPlan};
use read::ReadJob;
use write::{Customer, Standing, WriteJob};

/// This replica's order queues: the customers' turns and the combiner of order batches.
#[derive(Debug)]
pub struct OrderQueues {
    turns: turns::Turns,
    batches: Arc<Combiner<OrderJob>>,
}

impl OrderQueues {
    /// Queues whose orders run in batches within `limits`.
    pub fn new(limits: BatchLimits) -> Self {
        Self {
            turns: turns::Turns::default(),
            batches: Arc::new(Combiner::new("order", limits)),
        }
    }
}

/// Up to two batches at once, 64 orders each at most, the second only while 16 orders
/// wait (or orders of several shops): fewer, larger batches cost less per order, and the
/// second keeps the machine busy while the first commits (docs/performance.md, "Orders
/// batched per shop" and the settings tried since).
pub const DEFAULT_ORDER_BATCHES: BatchLimits = BatchLimits {
    runners: 2,
    max_items: 64,
    spill: 16,
};

impl Default for OrderQueues {
    fn default() -> Self {
        Self::new(DEFAULT_ORDER_BATCHES)
    }
}

/// `points_stable_until` of a member none of whose live lots will ever mature or expire:
/// the last second of the year 9999, which chrono and PostgreSQL both keep.
fn stable_forever() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Records the order in its batch's two statements when nothing stands in the way; `None`
/// when the order must take the portable path (it wrote nothing then).
pub(super) async fn try_record(ctx: &Ctx, order: &PreparedOrder) -> Result<Option<OrderOutcome>> {
    let queues = &ctx.orders;
    let _turn = queues.turns.take(order.shop_id, &order.customer).await;
    let mut claims = vec![
        format!("order:{}", order.key),
        format!("customer:{}", order.customer),
    ];
    claims.extend(order.codes.iter().map(|c| format!("voucher:{c}")));
    let subscriptions = if order.raise_events {
        Some(subscriptions::of(&ctx.db, order.shop_id).await?)
    } else {
        None
    };
    let job = OrderJob {
        read: ReadJob {
            shop_id: order.shop_id,
            key: order.key.clone(),
            customer: order.customer.clone(),
            codes: order.codes.clone(),
            redeeming: order.redeems(),
        },
        claims,
        order: ToPlan {
            policies: ctx.policies.clone(),
            automatic: ctx.automatic_offers.clone(),
            order: order.clone(),
            subscriptions,
        },
    };
    // `None` from the combiner: the batch was lost (its runner panicked).
    let Some((order, saved)) = queues
        .batches
        .submit(&ctx.order_db, job)
        .await
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let balance = LiveBalance {
        available: saved.points_available,
        pending: saved.points_pending,
    };
    let mut answer = outcome(order, Member::from_row(saved)?)?;
    answer.balance = Some(balance);
    Ok(Some(answer))
}

/// Plans an order on what its batch read for `read`: its rows to write and the order
/// row; `None` when it must take the portable path.
fn plan_found(
    at: ToPlan,
    read: ReadJob,
    found: Option<read::Found>,
) -> Result<Option<(WriteJob, loyalty_entities::order::Model)>> {
    let Some(found) = found else {
        return Ok(None);
    };
    let Some(policy) = at.policies.at_version(read.shop_id, found.version) else {
        return Ok(None);
    };
    // A code that is no voucher may be a public code, which the locked path looks up.
    if !read
        .codes
        .iter()
        .all(|c| found.vouchers.iter().any(|(v, _)| v.code == *c))
    {
        return Ok(None);
    }
    let Some(automatic) = at.automatic.cached_at(read.shop_id, found.version) else {
        return Ok(None);
    };
    let now = at.order.now;
    let (member, row_version) = match found.member {
        Some((row, version)) => (row, Some(version)),
        None => (
            super::plan::new_customer(&policy, &read.customer, now),
            None,
        ),
    };
    let (vouchers, refused) = lookup::judge(found.vouchers, read.codes, Some(member.id), now)?;
    // Segment membership is a query of its own per segment, which the batch's one read
    // does not make: such an order (rare) takes the locked path, which does.
    let names_a_segment = |o: &loyalty_rules::Offer| o.segments().next().is_some();
    if vouchers.iter().any(|v| names_a_segment(&v.offer))
        || automatic.iter().any(|o| names_a_segment(&o.offer))
    {
        return Ok(None);
    }
    let loaded = Loaded {
        member,
        vouchers,
        refused,
        lots: found.lots,
        owed: found.owed,
        automatic,
        // Not read here: an order that counts against a limit is written by the locked
        // path, which locks what it counts; one that does not prices the same either way.
        usage: Usage::default(),
        segments: Vec::new(),
    };
    let mut planned = plan(&policy, &at.order, loaded, new_id())?;
    if !planned.uses.is_empty() {
        return Ok(None);
    }
    let events = match &at.subscriptions {
        Some(subs) => outbox::rows(read.shop_id, std::mem::take(&mut planned.events), subs, now),
        None => Default::default(),
    };
    // The order's audit row: the same as the locked path writes, in this statement.
    let audit = at.order.audit.as_deref().map(|scope| {
        crate::audit::record::rows(
            read.shop_id,
            &crate::audit::record::entry_of(scope, &[planned.order.id, planned.member.id]),
        )
    });
    let (mut job, order) = write_job(planned, events, read.key, at.order.hash, row_version, now);
    if let Some((row, targets)) = audit {
        job.audits.push(row);
        job.audit_targets = targets;
    }
    Ok(Some((job, order)))
}

/// The order's rows to write, and the order row (the answer is built from
/// it once written).
fn write_job(
    planned: OrderPlan,
    (events, deliveries): (Vec<event::Model>, Vec<webhook_delivery::Model>),
    key: String,
    hash: String,
    row_version: Option<String>,
    now: DateTime<Utc>,
) -> (WriteJob, loyalty_entities::order::Model) {
    let OrderPlan {
        order,
        discounts,
        vouchers_used,
        uses: _,
        ledger,
        mut member,
        // Taken by the caller, which made their rows.
        events: _,
    } = planned;
    let (available, pending) = ledger.balance_change(now);
    let stable_until = ledger
        .lots
        .iter()
        .flat_map(|lot| [Some(lot.available_at), lot.expires_at])
        .flatten()
        .filter(|at| *at > now)
        .min();
    let customer_row = match row_version {
        None => {
            // A new customer has no lots but this order's.
            member.points_available = available;
            member.points_pending = pending;
            member.points_as_of = Some(now);
            member.points_stable_until = Some(stable_until.unwrap_or_else(stable_forever));
            Customer::New(Box::new(member))
        }
        Some(row_version) => Customer::Existing(Standing {
            row_version,
            available,
            pending,
            stable_until,
            member: Box::new(member),
        }),
    };
    let job = WriteJob {
        shop_id: order.shop_id,
        key,
        request_hash: hash,
        now,
        customer: customer_row,
        entries: ledger.entries,
        lots: ledger.lots,
        draws: ledger.draws,
        allocations: ledger.allocations,
        vouchers_used,
        discounts,
        events,
        deliveries,
        audits: Vec::new(),
        audit_targets: Vec::new(),
        order: order.clone(),
    };
    (job, order)
}

fn json<T: serde::Serialize + ?Sized>(rows: &T) -> Result<String> {
    serde_json::to_string(rows)
        .map_err(|e| crate::DomainError::Internal(format!("order rows as JSON: {e}")))
}
