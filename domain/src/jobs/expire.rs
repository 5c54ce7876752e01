//! Where points expire: lots past their expiry get an EXPIRE entry for what they had left.
use crate::events::{Event, EventType, emit, payload};
use crate::ledger::LedgerKind;
use crate::ledger::bulk::apply_many;
use crate::ledger::lots::{debit, lock_member};
use crate::ledger::plan::{Debit, DrawFrom, LedgerWrites, plan_debit};
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

/// Lots per transaction: a batch commits once and writes set-based (a commit per lot was
/// most of the job's time: 59-89 lots/s; then a statement per lot within batches of
/// 500). Larger batches recount denser runs of members (2,000 lots took a third longer
/// a lot than 5,000 in the bench); the price is that a member's order waits for the
/// batch that holds its lock: about 2.5 s in the debug build under heavy load.
const BATCH: u64 = 5000;

/// Events a statement writes at most: the outbox inserts them, and a delivery for each
/// subscribed endpoint, in one statement each.
const EVENTS: usize = 500;

/// Records the expiry of every lot of the shop that expired by now. Returns the lots and
/// points recorded. Runs [`expire_batch_of`] until no lot is left: a job killed between
/// two batches, or in the middle of one, leaves whole batches recorded and the rest for
/// the next run.
pub async fn expire_due(ctx: &Ctx, shop_id: Uuid) -> Result<(u64, i64)> {
    let now = ctx.clock.now();
    let (mut lots_done, mut points_done) = (0u64, 0i64);
    loop {
        let (lots, points) = expire_batch_of(ctx, shop_id, now, BATCH).await?;
        if lots == 0 {
            break;
        }
        lots_done += lots;
        points_done += points;
    }
    Ok((lots_done, points_done))
}

/// Records the expiry of up to `limit` lots of the shop that expired by `now`, soonest
/// first, in one transaction under their members' locks (taken in id order, so two
/// workers cannot deadlock). Returns the lots and points recorded. The entry's key
/// `expire:<lot>` makes a second recording impossible: when another worker recorded one
/// of the batch's lots first, the batch is rolled back and its lots are recorded one
/// transaction each.
pub async fn expire_batch_of(
    ctx: &Ctx,
    shop_id: Uuid,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<(u64, i64)> {
    let due = point_lot::Entity::find()
        .filter(point_lot::Column::ShopId.eq(shop_id))
        .filter(point_lot::Column::ExpiresAt.lte(now))
        .filter(point_lot::Column::Remaining.gt(0))
        .order_by_asc(point_lot::Column::ExpiresAt)
        .limit(limit)
        .all(&ctx.db)
        .await?;
    if due.is_empty() {
        return Ok((0, 0));
    }
    let txn = ctx.db.begin().await?;
    match expire_batch(&txn, shop_id, &due, now).await {
        Ok(done) => {
            txn.commit().await?;
            Ok(done)
        }
        Err(e) if recorded_elsewhere(&e) => {
            txn.rollback().await?;
            let mut done = (0, 0);
            for lot in &due {
                let (l, p) = expire_one(ctx, shop_id, lot, now).await?;
                done = (done.0 + l, done.1 + p);
            }
            Ok(done)
        }
        Err(e) => Err(e),
    }
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

/// Records `due` in the caller's transaction: locks their members, reads the lots again
/// under those locks (what is left of each is now final), plans each lot's EXPIRE as
/// [`debit`] does, and writes the whole batch set-based: entries, lots, allocations and
/// cached balances a few statements each, the events in one statement per [`EVENTS`].
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
    let mut fresh: HashMap<Uuid, point_lot::Model> = point_lot::Entity::find()
        .filter(point_lot::Column::ShopId.eq(shop_id))
        .filter(point_lot::Column::Id.is_in(due.iter().map(|l| l.id)))
        .filter(point_lot::Column::Remaining.gt(0))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let (mut lots, mut points) = (0u64, 0i64);
    let mut events: Vec<Event> = Vec::new();
    let mut moved: BTreeSet<Uuid> = BTreeSet::new();
    let mut writes = LedgerWrites::default();
    // In the order they fell due, as the events were emitted lot by lot.
    for lot in due {
        let (Some(row), Some(lot)) = (members.get(&lot.member_id), fresh.remove(&lot.id)) else {
            continue;
        };
        let debit = expiry(&lot);
        let (planned, drawn) = plan_debit(shop_id, lot.member_id, now, vec![lot.clone()], debit)?;
        writes.extend(planned);
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
    apply_many(txn, shop_id, &writes).await?;
    let moved: Vec<Uuid> = moved.into_iter().collect();
    crate::ledger::cache::refresh_many(txn, shop_id, &moved, now).await?;
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        emit(txn, shop_id, events.by_ref().take(EVENTS).collect(), now).await?;
    }
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
