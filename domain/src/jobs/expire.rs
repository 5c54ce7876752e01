//! Where points expire: lots past their expiry get an EXPIRE entry for what they had left.
use crate::events::{Event, EventType, emit, payload};
use crate::ledger::LedgerKind;
use crate::ledger::lots::{debit, debit_only, lock_member};
use crate::ledger::plan::{Debit, DrawFrom};
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::{member, point_lot};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
    TransactionTrait,
};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// Lots per transaction: a batch commits once (a commit per lot was most of the job's
/// time: 59-89 lots/s), and its members stay locked for well under a second.
const BATCH: u64 = 500;

/// Records the expiry of every lot of the shop that expired by now. Returns the lots and
/// points recorded. A batch of lots is one transaction under its members' locks (taken
/// in id order, so two workers cannot deadlock); the entry's key `expire:<lot>` makes a
/// second recording impossible: when another worker recorded one of the batch's lots
/// first, the batch is rolled back and its lots are recorded one transaction each.
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
        let txn = ctx.db.begin().await?;
        let (lots, points) = match expire_batch(&txn, shop_id, &due, now).await {
            Ok(done) => {
                txn.commit().await?;
                done
            }
            Err(e) if recorded_elsewhere(&e) => {
                txn.rollback().await?;
                let mut done = (0, 0);
                for lot in &due {
                    let (l, p) = expire_one(ctx, shop_id, lot, now).await?;
                    done = (done.0 + l, done.1 + p);
                }
                done
            }
            Err(e) => return Err(e),
        };
        if lots == 0 {
            break;
        }
        lots_done += lots;
        points_done += points;
    }
    Ok((lots_done, points_done))
}

/// Whether the error is the unique key of an EXPIRE entry another worker wrote.
fn recorded_elsewhere(e: &DomainError) -> bool {
    matches!(e, DomainError::Db(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))))
}

fn expiry(lot: &point_lot::Model) -> Debit {
    Debit {
        kind: LedgerKind::Expire,
        points: lot.remaining,
        from: DrawFrom::Lot(lot.id),
        reason: Some("points expired".into()),
        order_id: lot.order_id,
        idempotency_key: Some(format!("expire:{}", lot.id)),
    }
}

/// Records `due` in the caller's transaction: locks their members, draws each lot,
/// refreshes each member's cached balances once and emits the events in one statement.
async fn expire_batch(
    txn: &DatabaseTransaction,
    shop_id: Uuid,
    due: &[point_lot::Model],
    now: DateTime<Utc>,
) -> Result<(u64, i64)> {
    let ids: BTreeSet<Uuid> = due.iter().map(|l| l.member_id).collect();
    let members: HashMap<Uuid, member::Model> = member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::Id.is_in(ids))
        .order_by_asc(member::Column::Id)
        .lock(LockType::Update)
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let (mut lots, mut points) = (0u64, 0i64);
    let mut events: Vec<Event> = Vec::new();
    let mut moved: BTreeSet<Uuid> = BTreeSet::new();
    for lot in due {
        let Some(row) = members.get(&lot.member_id) else {
            continue;
        };
        let drawn = debit_only(txn, shop_id, lot.member_id, now, expiry(lot)).await?;
        if drawn.entry_id.is_some() {
            moved.insert(lot.member_id);
        }
        if drawn.taken > 0 {
            events.push(payload::points(
                EventType::PointsExpired,
                row,
                -drawn.taken,
                Some("points expired"),
                lot.order_id,
            ));
            lots += 1;
            points += drawn.taken;
        }
    }
    for member_id in moved {
        crate::ledger::cache::refresh(txn, shop_id, member_id, now).await?;
    }
    emit(txn, shop_id, events, now).await?;
    Ok((lots, points))
}

/// Records one lot in its own transaction; a lot another worker recorded first counts
/// for nothing.
async fn expire_one(
    ctx: &Ctx,
    shop_id: Uuid,
    lot: &point_lot::Model,
    now: DateTime<Utc>,
) -> Result<(u64, i64)> {
    let txn = ctx.db.begin().await?;
    let row = lock_member(&txn, shop_id, lot.member_id).await?;
    match debit(&txn, shop_id, lot.member_id, now, expiry(lot)).await {
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
            Ok((u64::from(drawn.taken > 0), drawn.taken))
        }
        Err(e) if recorded_elsewhere(&e) => {
            txn.rollback().await?;
            Ok((0, 0))
        }
        Err(e) => Err(e),
    }
}
