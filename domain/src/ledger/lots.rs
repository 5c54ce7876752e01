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
use super::plan::{Credit, Debit, Drawn, LedgerWrites, plan_credit, plan_debit};
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::{ledger_entry, lot_allocation, member, point_lot};
use sea_orm::sea_query::{Expr, ExprTrait, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
};
use uuid::Uuid;

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
        // Only the entries of the partial index `ledger_entries_debt`: the sum is the
        // same, and it reads a handful of entries instead of the member's history.
        .filter(Expr::cust("debt_change <> 0"))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(owed.unwrap_or(0))
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
    let owed = debt(conn, shop_id, member_id).await?;
    let (writes, id) = plan_credit(shop_id, member_id, now, credit, owed)?;
    apply(conn, &writes).await?;
    Ok(id)
}

/// Writes planned ledger rows: one statement a table, and a guarded update a lot drawn
/// (`remaining >= n`: a lot that no longer has the points is a `Conflict`). The member
/// must be locked.
pub async fn apply<C: ConnectionTrait>(conn: &C, writes: &LedgerWrites) -> Result<()> {
    if !writes.entries.is_empty() {
        // A manual adjustment names the key that made it: the one of the change under
        // way (a mutation, or a bulk job's runner acting for the key that started it).
        let actor = crate::audit::current_key();
        ledger_entry::Entity::insert_many(writes.entries.iter().cloned().map(|mut e| {
            if e.kind == super::LedgerKind::Adjust.as_str() {
                e.actor_key_id = actor;
            }
            e.into_active_model()
        }))
        .exec_without_returning(conn)
        .await?;
    }
    if !writes.lots.is_empty() {
        point_lot::Entity::insert_many(writes.lots.iter().cloned().map(|l| l.into_active_model()))
            .exec_without_returning(conn)
            .await?;
    }
    for draw in &writes.draws {
        let updated = point_lot::Entity::update_many()
            .col_expr(
                point_lot::Column::Remaining,
                Expr::col(point_lot::Column::Remaining).sub(draw.points),
            )
            .filter(point_lot::Column::ShopId.eq(shop_of(writes)))
            .filter(point_lot::Column::Id.eq(draw.lot_id))
            .filter(point_lot::Column::Remaining.gte(draw.points))
            .exec(conn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(DomainError::Conflict(
                "the balance changed while points were being spent; retry".into(),
            ));
        }
    }
    if !writes.allocations.is_empty() {
        lot_allocation::Entity::insert_many(
            writes
                .allocations
                .iter()
                .cloned()
                .map(|a| a.into_active_model()),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// The shop of planned rows (every plan writes entries of one member).
fn shop_of(writes: &LedgerWrites) -> Uuid {
    writes
        .entries
        .first()
        .map(|e| e.shop_id)
        .unwrap_or_default()
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
    let lots = live_lots(conn, shop_id, member_id).await?;
    let (writes, drawn) = plan_debit(shop_id, member_id, now, lots, debit)?;
    apply(conn, &writes).await?;
    Ok(drawn)
}

/// The member's lots with points remaining, spent or not, expired or not.
pub async fn live_lots<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
) -> Result<Vec<point_lot::Model>> {
    Ok(point_lot::Entity::find()
        .filter(point_lot::Column::ShopId.eq(shop_id))
        .filter(point_lot::Column::MemberId.eq(member_id))
        .filter(point_lot::Column::Remaining.gt(0))
        .all(conn)
        .await?)
}
