//! Where cycles roll: members whose counters belong to an earlier cycle move to the
//! current one, and their tiers are recomputed (a move raises `member.tier_changed`).
use crate::events::emit;
use crate::events::payload::TierChange;
use crate::program::ranking::roll;
use crate::program::{Policy, tier_events};
use crate::{Ctx, Result};
use loyalty_entities::member;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

const BATCH: u64 = 1000;

/// Rolls the shop's members to the current cycle; returns how many moved.
pub async fn roll_cycles(ctx: &Ctx, shop_id: Uuid) -> Result<u64> {
    let now = ctx.clock.now();
    let policy = Policy::load(&ctx.db, shop_id).await?;
    if !policy.is_active() {
        return Ok(0);
    }
    let current = policy.cycle_of(now, now);
    let mut moved = 0u64;
    loop {
        let txn = ctx.db.begin().await?;
        let stale = member::Entity::find()
            .filter(member::Column::ShopId.eq(shop_id))
            .filter(
                Condition::any()
                    .add(member::Column::CycleStart.lt(current))
                    .add(member::Column::CycleStart.is_null()),
            )
            .order_by_asc(member::Column::Id)
            .limit(BATCH)
            .lock_exclusive()
            .all(&txn)
            .await?;
        if stale.is_empty() {
            txn.commit().await?;
            break;
        }
        moved += stale.len() as u64;
        let mut rows = stale;
        let mut events = Vec::new();
        for row in &mut rows {
            let from = row.tier_id;
            roll(&policy, row, now);
            events.extend(tier_events::moved(
                &policy,
                row,
                from,
                TierChange::CycleRoll,
            ));
        }
        crate::members::standings::save_standings(&txn, &rows).await?;
        // A new cycle may move a member down: endpoints and tier journeys hear of it.
        emit(&txn, shop_id, events, now).await?;
        txn.commit().await?;
    }
    Ok(moved)
}
