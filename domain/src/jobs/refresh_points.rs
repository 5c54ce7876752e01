//! Where cached balances catch up with time: members whose lots matured (pending to
//! available) or expired since their cache was computed get it recomputed.
use crate::ledger::cache::{refresh, stale_members};
use crate::{Ctx, Result};
use sea_orm::TransactionTrait;
use uuid::Uuid;

const BATCH: u64 = 500;

/// Refreshes the shop's stale cached balances; returns how many members.
pub async fn refresh_points(ctx: &Ctx, shop_id: Uuid) -> Result<u64> {
    let now = ctx.clock.now();
    let mut done = 0;
    loop {
        let stale = stale_members(&ctx.db, shop_id, now, BATCH).await?;
        if stale.is_empty() {
            return Ok(done);
        }
        let txn = ctx.db.begin().await?;
        for member in &stale {
            refresh(&txn, shop_id, *member, now).await?;
        }
        txn.commit().await?;
        done += stale.len() as u64;
    }
}
