//! The journey scheduler, run with the jobs (`loyalty jobs run-once`, and inside
//! `serve`): for each active journey of a shop, the occurrences since its watermark are
//! queued (see [`super::enqueue`]) and the watermark moves to now.
//!
//! Any number of replicas may run it at once, and a run may die halfway: queuing an
//! occurrence twice inserts nothing (the unique index), and the watermark moves by a
//! guarded update from the value the run started with. After downtime the next run's
//! window spans it, so occurrences are caught up once, except those already past (a
//! birthday gone, a lot expired) and event-like ones older than [`CATCH_UP_DAYS`].
use super::enqueue::{Queued, enqueue};
use super::occurrences::tier::Direction;
use super::occurrences::{
    Occurrence, Window, birthday, expiring, first_order, registered, tier, winback,
};
use super::{Journey, JourneyStatus, Trigger};
use crate::program::Policy;
use crate::shops::Shop;
use crate::{Ctx, DomainError, Result};
use chrono::Duration;
use loyalty_entities::{campaign, journey};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// How far back a run looks for registrations, first orders and lapses after downtime.
pub const CATCH_UP_DAYS: i64 = 31;

/// Runs the shop's active journeys once; returns what they queued.
pub async fn run_shop(ctx: &Ctx, shop_id: Uuid) -> Result<Queued> {
    let rows = journey::Entity::find()
        .filter(journey::Column::ShopId.eq(shop_id))
        .filter(journey::Column::Status.eq(JourneyStatus::Active.as_str()))
        .all(&ctx.db)
        .await?;
    let mut total = Queued::default();
    if rows.is_empty() {
        return Ok(total);
    }
    let shop = crate::shops::load(&ctx.db, shop_id).await?;
    for row in rows {
        let q = run_journey(ctx, &shop, row).await?;
        total.queued += q.queued;
        total.skipped += q.skipped;
    }
    Ok(total)
}

async fn occurrences(
    ctx: &Ctx,
    shop: &Shop,
    row: &journey::Model,
    window: Window,
) -> Result<(Vec<Occurrence>, Uuid)> {
    let journey = Journey::from_row(row.clone())?;
    let days = journey.days.unwrap_or_default();
    // A change whose transaction committed after the previous scan read may carry an
    // earlier time: the window reaches back by the overlap (reading twice queues nothing
    // twice), never before the journey was created or resumed.
    let overlapped = Window {
        from: (window.from - tier::overlap()).max(row.updated_at),
        to: window.to,
    };
    let recent = Window {
        from: overlapped
            .from
            .max(window.to - Duration::days(CATCH_UP_DAYS)),
        to: window.to,
    };
    let db = &ctx.db;
    let found = match journey.trigger {
        Trigger::Birthday => birthday::find(db, shop, days, window).await?,
        Trigger::PointsExpiring => expiring::find(db, shop, days, overlapped).await?,
        Trigger::NoPurchaseForDays => winback::find(db, shop.id, days, recent).await?,
        Trigger::FirstOrder => first_order::find(db, shop.id, recent).await?,
        Trigger::Registered => registered::find(db, shop.id, recent).await?,
        Trigger::TierUp | Trigger::TierDown => {
            let way = if journey.trigger == Trigger::TierUp {
                Direction::Up
            } else {
                Direction::Down
            };
            let policy = Policy::load(db, shop.id).await?;
            return tier::find(db, &policy, shop.id, way, row.event_mark).await;
        }
    };
    Ok((found, row.event_mark))
}

/// Queues one journey's occurrences since its watermark, then moves the watermark.
pub async fn run_journey(ctx: &Ctx, shop: &Shop, row: journey::Model) -> Result<Queued> {
    let now = ctx.clock.now();
    let window = Window {
        from: row.scanned_until,
        to: now.max(row.scanned_until),
    };
    let campaign = campaign::Entity::find_by_id((shop.id, row.campaign_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| DomainError::Internal(format!("journey {} has no campaign", row.id)))?;
    let (found, mark) = occurrences(ctx, shop, &row, window).await?;
    let queued = enqueue(ctx, shop, &campaign, &found, now).await?;
    // Paused meanwhile, or moved by another run: that one's watermark stands.
    journey::Entity::update_many()
        .col_expr(journey::Column::ScannedUntil, Expr::value(window.to))
        .col_expr(journey::Column::EventMark, Expr::value(mark))
        .filter(journey::Column::ShopId.eq(row.shop_id))
        .filter(journey::Column::Id.eq(row.id))
        .filter(journey::Column::Status.eq(JourneyStatus::Active.as_str()))
        .filter(journey::Column::ScannedUntil.eq(row.scanned_until))
        .filter(journey::Column::EventMark.eq(row.event_mark))
        .exec(&ctx.db)
        .await?;
    Ok(queued)
}
