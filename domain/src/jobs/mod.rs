//! Background work that keeps stored state in step with time: recording expired points,
//! rolling accumulation cycles, announcing expiring points and queuing journeys'
//! messages. Correctness never waits on it (balances and tiers are
//! right at read time); it makes the ledger and the tier counts say so explicitly. Every
//! step is idempotent, so two workers or a rerun after a crash do no harm.

pub mod cycle_roll;
pub mod expire;
pub mod expiring_soon;
pub mod refresh_points;

use crate::{Ctx, Result};
use loyalty_entities::shop;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobReport {
    /// Lots whose expiry was recorded.
    pub lots_expired: u64,
    /// Points recorded as expired.
    pub points_expired: i64,
    /// Members moved to a new cycle.
    pub members_rolled: u64,
    /// Members whose cached balances caught up with time.
    pub balances_refreshed: u64,
    /// Journey messages queued (see [`crate::journeys::scheduler`]).
    pub journey_messages: u64,
    /// Lots announced by `points.expiring_soon`.
    pub expiry_notices: u64,
    /// Program activations cut short that this run finished (see
    /// [`crate::members::activation`]).
    pub activations_finished: u64,
}

/// Runs every job once over every shop.
pub async fn run_once(ctx: &Ctx) -> Result<JobReport> {
    let mut report = JobReport {
        activations_finished: crate::members::activation::finish_stopped(ctx).await?,
        ..JobReport::default()
    };
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = shop::Entity::find()
            .select_only()
            .column(shop::Column::ShopId);
        if let Some(a) = after {
            q = q.filter(shop::Column::ShopId.gt(a));
        }
        let shops: Vec<Uuid> = q
            .order_by_asc(shop::Column::ShopId)
            .limit(500)
            .into_tuple()
            .all(&ctx.db)
            .await?;
        let Some(last) = shops.last() else { break };
        after = Some(*last);
        for shop_id in shops {
            let (lots, points) = expire::expire_due(ctx, shop_id).await?;
            report.lots_expired += lots;
            report.points_expired += points;
            report.members_rolled += cycle_roll::roll_cycles(ctx, shop_id).await?;
            report.balances_refreshed += refresh_points::refresh_points(ctx, shop_id).await?;
            report.expiry_notices += expiring_soon::announce(ctx, shop_id).await?;
            report.journey_messages += crate::journeys::scheduler::run_shop(ctx, shop_id)
                .await?
                .queued;
        }
    }
    if report != JobReport::default() {
        tracing::info!(?report, "jobs ran");
    }
    Ok(report)
}
