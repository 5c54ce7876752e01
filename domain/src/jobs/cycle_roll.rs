//! Where cycles roll: members whose counters belong to an earlier cycle move to the
//! current one, and their tiers are recomputed.
use crate::program::Policy;
use crate::program::ranking::roll;
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
        for row in &mut rows {
            roll(&policy, row, now);
        }
        crate::members::standings::save_standings(&txn, &rows).await?;
        txn.commit().await?;
    }
    Ok(moved)
}
