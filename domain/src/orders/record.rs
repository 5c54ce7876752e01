//! Recording an order: price it, redeem, earn, update stats and tier, once per external id.
//!
//! This file chooses the write path: on PostgreSQL the orders waiting together are
//! written in batches (`record_pg`), and an order a batch cannot take, or every order on
//! SQLite or with `LOYALTY_ORDER_PATH=locked`, under its member's row lock
//! (`record_locked`). Both plan the order with `plan::plan` and write the same rows
//! (`tests/e2e/order_paths.rs`), events of a shop subscribed to them included.
use super::input::OrderInput;
use super::path::OrderPath;
use super::prepared::PreparedOrder;
use super::record_locked;
use super::record_pg;
use super::result::OrderOutcome;
use crate::checkout::{Skipped, Source};
use crate::events::{EventType, subscriptions};
use crate::program::Policy;
use crate::{Ctx, Result};
use sea_orm::DbBackend;
use uuid::Uuid;

/// Records an order. A retry with the same content returns the first result and changes
/// nothing; the same external id with other content is `Conflict`. Redeeming more points
/// than are available is `InsufficientPoints`, and then nothing of the order is written.
///
/// While the program is a draft the outcome says, under `skipped`, why the order earned
/// nothing; a retry says it too as long as the program is still a draft.
pub async fn record(ctx: &Ctx, shop_id: Uuid, input: OrderInput) -> Result<OrderOutcome> {
    let mut outcome = write(ctx, shop_id, input).await?;
    // The write has just read the policy: within the cache window this reads nothing.
    let policy = ctx.policies.recent(&ctx.db, shop_id).await?;
    if !policy.is_active() {
        outcome.skipped.push(Skipped {
            source: Source::Points,
            reason: Policy::DRAFT_EARNS_NOTHING.to_owned(),
            by_policy: false,
        });
    }
    Ok(outcome)
}

/// The events an order can raise: a shop subscribed to none skips building them.
const ORDER_EVENTS: [EventType; 5] = [
    EventType::OrderRecorded,
    EventType::PointsEarned,
    EventType::PointsRedeemed,
    EventType::VoucherUsed,
    EventType::MemberTierChanged,
];

async fn write(ctx: &Ctx, shop_id: Uuid, input: OrderInput) -> Result<OrderOutcome> {
    let mut order = PreparedOrder::new(shop_id, input, ctx.clock.now())?;
    order.raise_events = subscriptions::wants(&ctx.db, shop_id, &ORDER_EVENTS).await?;
    let batched = ctx.order_path == OrderPath::Batched;
    let path = if ctx.db.get_database_backend() == DbBackend::Postgres && batched {
        match record_pg::try_record(ctx, &order).await? {
            Some(outcome) => {
                count(WritePath::SingleStatement);
                return Ok(outcome);
            }
            None => WritePath::LockedAfterCheck,
        }
    } else {
        WritePath::Locked
    };
    count(path);
    record_locked::record(ctx, &order).await
}

/// How an order was written, counted as `loyalty_order_writes_total{path}`: on
/// PostgreSQL nearly every order should be one statement, and a share of
/// `locked_after_check` says how often orders of one member race.
#[derive(Debug, Clone, Copy)]
enum WritePath {
    /// Read, then one checked statement (PostgreSQL).
    SingleStatement,
    /// The single statement's read or check failed; written under the member's lock.
    LockedAfterCheck,
    /// Under the member's lock from the start (SQLite).
    Locked,
}

fn count(path: WritePath) {
    let path = match path {
        WritePath::SingleStatement => "single_statement",
        WritePath::LockedAfterCheck => "locked_after_check",
        WritePath::Locked => "locked",
    };
    metrics::counter!("loyalty_order_writes_total", "path" => path).increment(1);
}
