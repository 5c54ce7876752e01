//! Where points are written: credits open lots, debits draw from lots.
//!
//! Every entry is appended to `ledger_entries`. A credit also opens a lot (same id)
//! whose `remaining` is what is left to spend; a debit records, in `lot_allocations`,
//! which lots it drew from, and lowers their `remaining` with a guarded update
//! (`... WHERE remaining >= n`) under the member's row lock, with a CHECK constraint as
//! the backstop. So `remaining` always equals points minus allocations, and no
//! interleaving of requests can spend a point twice.
//!
//! Debt: a refund may need to take back earned points that were already spent. The
//! balance never goes negative; the shortfall is recorded on the entry (`debt_change`)
//! and the member's next credits repay it first.
use super::LedgerKind;
use crate::{DomainError, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::{ledger_entry, lot_allocation, member, point_lot};
use sea_orm::sea_query::{Expr, ExprTrait, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

/// Points coming in.
#[derive(Debug, Clone)]
pub struct Credit {
    /// Why.
    pub kind: LedgerKind,
    /// How many; above 0.
    pub points: i64,
    /// When they become spendable.
    pub available_at: DateTime<Utc>,
    /// When they expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// Shown in the ledger.
    pub reason: Option<String>,
    /// The order they came from.
    pub order_id: Option<Uuid>,
    /// Makes the entry unique per shop.
    pub idempotency_key: Option<String>,
}

/// Which lots a debit may draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawFrom {
    /// Spendable lots only, soonest expiry first; short of points is `InsufficientPoints`.
    Available,
    /// Taking back what a refund reverses: the order's own lot first (even if still
    /// pending), then any unexpired lot, soonest expiry first; what cannot be taken
    /// becomes debt.
    Reversal {
        /// The lot the reversed points were earned into.
        own_lot: Option<Uuid>,
    },
    /// Expiring one lot: exactly what it has left.
    Lot(Uuid),
}

/// Points going out.
#[derive(Debug, Clone)]
pub struct Debit {
    /// Why.
    pub kind: LedgerKind,
    /// How many; above 0.
    pub points: i64,
    /// Which lots may pay.
    pub from: DrawFrom,
    /// Shown in the ledger.
    pub reason: Option<String>,
    /// The order concerned.
    pub order_id: Option<Uuid>,
    /// Makes the entry unique per shop.
    pub idempotency_key: Option<String>,
}

/// What a debit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    /// The entry written, if any points moved.
    pub entry_id: Option<Uuid>,
    /// Points taken.
    pub taken: i64,
    /// Points that could not be taken and became debt.
    pub shortfall: i64,
}

/// Locks the member's row for the rest of the transaction: every write that moves a
/// member's points takes this lock first, so they apply one after another (PostgreSQL;
/// SQLite serializes writers anyway).
pub async fn lock_member<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
) -> Result<member::Model> {
    member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::Id.eq(member_id))
        .lock(LockType::Update)
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("member not found".into()))
}

/// [`lock_member`] by the shop's external id, in the same one statement; `None` if the
/// shop has no such customer yet.
pub async fn lock_member_by_external_id<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    external_id: &str,
) -> Result<Option<member::Model>> {
    Ok(member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::ExternalId.eq(external_id))
        .lock(LockType::Update)
        .one(conn)
        .await?)
}

/// Points the member owes from refunds of spent points.
pub async fn debt<C: ConnectionTrait>(conn: &C, shop_id: Uuid, member_id: Uuid) -> Result<i64> {
    let owed: Option<i64> = ledger_entry::Entity::find()
        .select_only()
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(debt_change), 0) AS BIGINT)"),
            "owed",
        )
        .filter(ledger_entry::Column::ShopId.eq(shop_id))
        .filter(ledger_entry::Column::MemberId.eq(member_id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(owed.unwrap_or(0))
}

#[allow(clippy::too_many_arguments)]
async fn insert_entry<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
    kind: LedgerKind,
    points: i64,
    debt_change: i64,
    available_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    reason: Option<String>,
    order_id: Option<Uuid>,
    idempotency_key: Option<String>,
) -> Result<Uuid> {
    let id = new_id();
    ledger_entry::Entity::insert(ledger_entry::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(id),
        member_id: Set(member_id),
        kind: Set(kind.as_str().to_owned()),
        points: Set(points),
        debt_change: Set(debt_change),
        created_at: Set(now),
        available_at: Set(available_at),
        expires_at: Set(expires_at),
        reason: Set(reason),
        order_id: Set(order_id),
        idempotency_key: Set(idempotency_key),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// Credits points: an entry and its lot; then, if the member owes points, the new lot
/// repays the debt first (a REVERSE entry). The member must be locked. Refreshes the
/// member's cached balances.
pub async fn credit<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
    credit: Credit,
) -> Result<Uuid> {
    let id = credit_only(conn, shop_id, member_id, now, credit).await?;
    super::cache::refresh(conn, shop_id, member_id, now).await?;
    Ok(id)
}

/// [`credit`] without refreshing the cached balances: for a caller that writes the
/// member row anyway and refreshes them in that statement, before its commit.
pub async fn credit_only<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
    credit: Credit,
) -> Result<Uuid> {
    if credit.points <= 0 {
        return Err(DomainError::Internal("a credit must be positive".into()));
    }
    let id = insert_entry(
        conn,
        shop_id,
        member_id,
        now,
        credit.kind,
        credit.points,
        0,
        credit.available_at,
        credit.expires_at,
        credit.reason,
        credit.order_id,
        credit.idempotency_key,
    )
    .await?;
    point_lot::Entity::insert(point_lot::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(id),
        member_id: Set(member_id),
        points: Set(credit.points),
        remaining: Set(credit.points),
        available_at: Set(credit.available_at),
        expires_at: Set(credit.expires_at),
        order_id: Set(credit.order_id),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    let owed = debt(conn, shop_id, member_id).await?;
    let repay = std::cmp::min(owed, credit.points);
    if repay > 0 {
        let entry = insert_entry(
            conn,
            shop_id,
            member_id,
            now,
            LedgerKind::Reverse,
            -repay,
            -repay,
            now,
            None,
            Some("repays points owed from an earlier refund".into()),
            credit.order_id,
            None,
        )
        .await?;
        take(conn, shop_id, member_id, entry, id, repay).await?;
    }
    Ok(id)
}

/// Lowers a lot's `remaining` by `points` if it has them, and records the allocation.
async fn take<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    entry_id: Uuid,
    lot_id: Uuid,
    points: i64,
) -> Result<()> {
    let updated = point_lot::Entity::update_many()
        .col_expr(
            point_lot::Column::Remaining,
            Expr::col(point_lot::Column::Remaining).sub(points),
        )
        .filter(point_lot::Column::ShopId.eq(shop_id))
        .filter(point_lot::Column::Id.eq(lot_id))
        .filter(point_lot::Column::Remaining.gte(points))
        .exec(conn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(DomainError::Conflict(
            "the balance changed while points were being spent; retry".into(),
        ));
    }
    lot_allocation::Entity::insert(lot_allocation::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(new_id()),
        lot_id: Set(lot_id),
        entry_id: Set(entry_id),
        member_id: Set(member_id),
        points: Set(points),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A lot can pay at `now`: not expired, and spendable unless `pending_ok`.
fn usable(lot: &point_lot::Model, now: DateTime<Utc>, pending_ok: bool) -> bool {
    lot.remaining > 0
        && lot.expires_at.is_none_or(|e| e > now)
        && (pending_ok || lot.available_at <= now)
}

/// Soonest expiry first (never-expiring last), then oldest first.
fn spend_order(a: &point_lot::Model, b: &point_lot::Model) -> std::cmp::Ordering {
    let key = |l: &point_lot::Model| (l.expires_at.is_none(), l.expires_at, l.created_at, l.id);
    key(a).cmp(&key(b))
}

/// Debits points as `debit.from` allows. The member must be locked. Refreshes the
/// member's cached balances.
pub async fn debit<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
    debit: Debit,
) -> Result<Drawn> {
    let drawn = debit_only(conn, shop_id, member_id, now, debit).await?;
    if drawn.entry_id.is_some() {
        super::cache::refresh(conn, shop_id, member_id, now).await?;
    }
    Ok(drawn)
}

/// [`debit`] without refreshing the cached balances (see [`credit_only`]).
pub async fn debit_only<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
    debit: Debit,
) -> Result<Drawn> {
    if debit.points <= 0 {
        return Err(DomainError::Internal("a debit must be positive".into()));
    }
    let mut lots = point_lot::Entity::find()
        .filter(point_lot::Column::ShopId.eq(shop_id))
        .filter(point_lot::Column::MemberId.eq(member_id))
        .filter(point_lot::Column::Remaining.gt(0))
        .all(conn)
        .await?;
    lots.sort_by(spend_order);
    let plan: Vec<&point_lot::Model> = match debit.from {
        DrawFrom::Available => lots.iter().filter(|l| usable(l, now, false)).collect(),
        DrawFrom::Reversal { own_lot } => {
            let own = lots
                .iter()
                .filter(|l| Some(l.id) == own_lot && l.expires_at.is_none_or(|e| e > now));
            let others = lots
                .iter()
                .filter(|l| Some(l.id) != own_lot && usable(l, now, true));
            own.chain(others).collect()
        }
        DrawFrom::Lot(id) => lots.iter().filter(|l| l.id == id).collect(),
    };
    let have: i64 = plan.iter().map(|l| l.remaining).sum();
    if debit.from == DrawFrom::Available && have < debit.points {
        return Err(DomainError::InsufficientPoints {
            requested: debit.points,
            available: have,
        });
    }
    let taken = std::cmp::min(debit.points, have);
    let shortfall = debit.points - taken;
    if taken == 0 && shortfall == 0 {
        return Ok(Drawn {
            entry_id: None,
            taken: 0,
            shortfall: 0,
        });
    }
    let entry_id = insert_entry(
        conn,
        shop_id,
        member_id,
        now,
        debit.kind,
        -taken,
        shortfall,
        now,
        None,
        debit.reason,
        debit.order_id,
        debit.idempotency_key,
    )
    .await?;
    let mut left = taken;
    for lot in plan {
        if left == 0 {
            break;
        }
        let n = std::cmp::min(left, lot.remaining);
        take(conn, shop_id, member_id, entry_id, lot.id, n).await?;
        left -= n;
    }
    Ok(Drawn {
        entry_id: Some(entry_id),
        taken,
        shortfall,
    })
}
