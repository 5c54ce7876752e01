//! Where points expire: lots past their expiry get an EXPIRE entry for what they had left.
use crate::events::{EventType, emit, payload};
use crate::ledger::LedgerKind;
use crate::ledger::lots::{debit, lock_member};
use crate::ledger::plan::{Debit, DrawFrom};
use crate::{Ctx, Result};
use loyalty_entities::point_lot;
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};
use uuid::Uuid;

const BATCH: u64 = 500;

/// Records the expiry of every lot of the shop that expired by now. Returns the lots and
/// points recorded. Each lot is its own transaction under its member's lock; the entry's
/// key `expire:<lot>` makes a second recording impossible.
pub async fn expire_due(ctx: &Ctx, shop_id: Uuid) -> Result<(u64, i64)> {
    let now = ctx.clock.now();
    let (mut lots_done, mut points_done) = (0u64, 0i64);
    loop {
        let due = point_lot::Entity::find()
            .filter(point_lot::Column::ShopId.eq(shop_id))
            .filter(point_lot::Column::ExpiresAt.lte(now))
            .filter(point_lot::Column::Remaining.gt(0))
            .order_by_asc(point_lot::Column::ExpiresAt)
            .limit(BATCH)
            .all(&ctx.db)
            .await?;
        if due.is_empty() {
            break;
        }
        let mut progressed = false;
        for lot in due {
            let txn = ctx.db.begin().await?;
            let row = lock_member(&txn, shop_id, lot.member_id).await?;
            let result = debit(
                &txn,
                shop_id,
                lot.member_id,
                now,
                Debit {
                    kind: LedgerKind::Expire,
                    points: lot.remaining,
                    from: DrawFrom::Lot(lot.id),
                    reason: Some("points expired".into()),
                    order_id: lot.order_id,
                    idempotency_key: Some(format!("expire:{}", lot.id)),
                },
            )
            .await;
            match result {
                Ok(drawn) => {
                    if drawn.taken > 0 {
                        let event = payload::points(
                            EventType::PointsExpired,
                            &row,
                            -drawn.taken,
                            Some("points expired"),
                            lot.order_id,
                        );
                        emit(&txn, shop_id, vec![event], now).await?;
                    }
                    txn.commit().await?;
                    if drawn.taken > 0 {
                        progressed = true;
                        lots_done += 1;
                        points_done += drawn.taken;
                    }
                }
                // Another worker recorded it first.
                Err(crate::DomainError::Db(e))
                    if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
                {
                    txn.rollback().await?;
                }
                Err(e) => return Err(e),
            }
        }
        if !progressed {
            break;
        }
    }
    Ok((lots_done, points_done))
}
