//! A member's points by state, derived at read time from lots and entries.
//!
//! Nothing here is a stored balance: available and pending come from the lots' remaining
//! points and their `available_at`/`expires_at` against now, so points mature and expire
//! on time even when no job has run; used and expired come from the entries.
use super::LedgerKind;
use super::live::live;
use crate::sql::sum_bigint;
use crate::{Result, limits};
use chrono::{DateTime, Utc};
use loyalty_entities::{ledger_entry, point_lot};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{
    Condition, Expr, ExprTrait, Query, SelectStatement, SimpleExpr, UnionType,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Points by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PointBalance {
    /// Spendable now.
    pub available: i64,
    /// Earned, not yet spendable.
    pub pending: i64,
    /// Spent on orders and rewards, net of what refunds gave back.
    pub used: i64,
    /// Expired, whether or not the expiry job has recorded it yet.
    pub expired: i64,
}

impl PointBalance {
    /// Its available and pending points.
    pub fn live(&self) -> LiveBalance {
        LiveBalance {
            available: self.available,
            pending: self.pending,
        }
    }
}

/// Available and pending points: what the lots hold now, whatever the member's history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveBalance {
    /// Spendable now.
    pub available: i64,
    /// Earned, not yet spendable.
    pub pending: i64,
}

/// `SUM(remaining)` of the member's live lots that are spendable at `now`
/// (`spendable`), or not yet. Also a scalar subquery, so that the statement writing the
/// member row computes its cached balances too.
pub(crate) fn live_sum(
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
    spendable: bool,
) -> SelectStatement {
    live_sum_of(shop_id, Expr::val(member_id), now, spendable)
}

/// [`live_sum`] of the member `member` names: a value, or a column of the enclosing
/// statement (`members.id`, to refresh many members' cached balances in one statement).
pub(crate) fn live_sum_of(
    shop_id: Uuid,
    member: SimpleExpr,
    now: DateTime<Utc>,
    spendable: bool,
) -> SelectStatement {
    let lot = |c: point_lot::Column| Expr::col((point_lot::Entity, c));
    let matured = if spendable {
        lot(point_lot::Column::AvailableAt).lte(now)
    } else {
        lot(point_lot::Column::AvailableAt).gt(now)
    };
    Query::select()
        .expr(sum_bigint(lot(point_lot::Column::Remaining)))
        .from(point_lot::Entity)
        .and_where(lot(point_lot::Column::ShopId).eq(shop_id))
        .and_where(lot(point_lot::Column::MemberId).eq(member))
        .cond_where(live(point_lot::Entity, now))
        .and_where(matured)
        .to_owned()
}

/// Points the member can spend at `now`: one statement (a quote needs no more).
pub async fn spendable<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = conn
        .query_one(&live_sum(shop_id, member_id, now, true))
        .await?;
    Ok(match row {
        Some(r) => r.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// Per member of `members` with lots holding points: the member, then the sums of
/// remaining points available at `now`, pending at `now` and expired by `now` (not yet
/// recorded by the expiry job), then three zeros (the columns of the entries' half of
/// [`balances`]).
fn lot_sums(shop_id: Uuid, members: &[Uuid], now: DateTime<Utc>) -> SelectStatement {
    let zero = || Expr::val(0i64);
    let lot = |c: point_lot::Column| Expr::col((point_lot::Entity, c));
    let live = live(point_lot::Entity, now);
    let remaining_when = |cond: Condition| {
        sum_bigint(Expr::case(cond, lot(point_lot::Column::Remaining)).finally(0i64))
    };
    Query::select()
        .expr(lot(point_lot::Column::MemberId))
        .expr(remaining_when(
            Condition::all()
                .add(live.clone())
                .add(lot(point_lot::Column::AvailableAt).lte(now)),
        ))
        .expr(remaining_when(
            Condition::all()
                .add(live)
                .add(lot(point_lot::Column::AvailableAt).gt(now)),
        ))
        .expr(remaining_when(
            Condition::all().add(lot(point_lot::Column::ExpiresAt).lte(now)),
        ))
        .expr(zero())
        .expr(zero())
        .expr(zero())
        .from(point_lot::Entity)
        .and_where(lot(point_lot::Column::ShopId).eq(shop_id))
        .and_where(lot(point_lot::Column::MemberId).is_in(members.to_vec()))
        .and_where(lot(point_lot::Column::Remaining).gt(0))
        .group_by_col((point_lot::Entity, point_lot::Column::MemberId))
        .to_owned()
}

/// A zero balance for each of `members`: a member without lots or entries has no row.
fn zeroed<T: Default>(members: &[Uuid]) -> HashMap<Uuid, T> {
    members.iter().map(|m| (*m, T::default())).collect()
}

/// Available and pending points of `members` at `now`, from their lots alone: one
/// statement whose cost does not grow with the members' histories.
pub async fn live_balances<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    members: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, LiveBalance>> {
    let mut out: HashMap<Uuid, LiveBalance> = zeroed(members);
    if members.is_empty() {
        return Ok(out);
    }
    for row in conn.query_all(&lot_sums(shop_id, members, now)).await? {
        let member: Uuid = row.try_get_by_index(0)?;
        let b = out.entry(member).or_default();
        b.available = limits::add("points available", b.available, row.try_get_by_index(1)?)?;
        b.pending = limits::add("points pending", b.pending, row.try_get_by_index(2)?)?;
    }
    Ok(out)
}

/// Points the member holds at `now`, available and pending: what a credit is measured
/// against for the balance's bound ([`crate::limits::MAX_POINTS`]). One statement.
pub async fn held<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
) -> Result<i64> {
    let b = live_balances(conn, shop_id, &[member_id], now)
        .await?
        .remove(&member_id)
        .unwrap_or_default();
    limits::add("a member's balance", b.available, b.pending)
}

/// Balances of `members` at `now`, in one statement whatever their number: the lots'
/// sums and the entries' sums, grouped by member, as the two halves of a `UNION ALL`.
/// The entries' half reads each member's whole history: [`live_balances`] is the
/// cheaper answer when used and expired points are not wanted.
pub async fn balances<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    members: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, PointBalance>> {
    let mut out: HashMap<Uuid, PointBalance> = zeroed(members);
    if members.is_empty() {
        return Ok(out);
    }
    let zero = || Expr::val(0i64);
    let mut lots = lot_sums(shop_id, members, now);

    let entry = |c: ledger_entry::Column| Expr::col((ledger_entry::Entity, c));
    let kind = || entry(ledger_entry::Column::Kind);
    let points = || entry(ledger_entry::Column::Points);
    let spent = kind().is_in([LedgerKind::Redeem.as_str(), LedgerKind::Reward.as_str()]);
    let restored = kind().eq(LedgerKind::Reverse.as_str()).and(points().gt(0));
    let expired = kind().eq(LedgerKind::Expire.as_str());
    let entries = Query::select()
        .expr(entry(ledger_entry::Column::MemberId))
        .expr(zero())
        .expr(zero())
        .expr(zero())
        .expr(sum_bigint(Expr::case(spent, points()).finally(0i64)))
        .expr(sum_bigint(Expr::case(restored, points()).finally(0i64)))
        .expr(sum_bigint(Expr::case(expired, points()).finally(0i64)))
        .from(ledger_entry::Entity)
        .and_where(entry(ledger_entry::Column::ShopId).eq(shop_id))
        .and_where(entry(ledger_entry::Column::MemberId).is_in(members.to_vec()))
        .group_by_col((ledger_entry::Entity, ledger_entry::Column::MemberId))
        .to_owned();

    let rows = conn
        .query_all(&lots.union(UnionType::All, entries).to_owned())
        .await?;
    for row in rows {
        let n = |i: usize| row.try_get_by_index::<i64>(i);
        let member: Uuid = row.try_get_by_index(0)?;
        let b = out.entry(member).or_default();
        // Entries of debits are negative: used is minus what redemptions took, less what
        // refunds gave back; expired adds what lots lost to time to what the job recorded.
        let used = limits::sub("points used", limits::sub("points used", 0, n(4)?)?, n(5)?)?;
        let expired = limits::sub("points expired", n(3)?, n(6)?)?;
        b.available = limits::add("points available", b.available, n(1)?)?;
        b.pending = limits::add("points pending", b.pending, n(2)?)?;
        b.expired = limits::add("points expired", b.expired, expired)?;
        b.used = limits::add("points used", b.used, used)?;
    }
    Ok(out)
}

/// One member's balance.
pub async fn balance<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member: Uuid,
    now: DateTime<Utc>,
) -> Result<PointBalance> {
    Ok(balances(conn, shop_id, &[member], now)
        .await?
        .remove(&member)
        .unwrap_or_default())
}
