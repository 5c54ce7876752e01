//! Ranking a batch of members at activation, set-based: one grouped statement sums the
//! orders' spend per member and cycle, one reads the opening spend, and the standings are
//! written a few hundred members a statement. Nothing is tagged on the orders: what
//! BACKFILL counted is the orders placed inside the activation's [`Window`], which a
//! refund reads back (see [`super::counted_cycle`]).
use super::window::Window;
use crate::Result;
use crate::members::opening_spend;
use crate::members::standings::save_ranking;
use crate::program::ranking::retier;
use crate::program::{ActivationMode, Policy};
use crate::tiers::Tier;
use loyalty_entities::{member, opening_spend as opening, order};
use sea_orm::sea_query::{Alias, Expr, Func, IntoColumnRef, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// Which members a batch holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// Every member of the shop with an id in `[first, last]`: a run of consecutive ids,
    /// which the `(shop_id, member_id, ...)` indexes read as one range.
    Range(Uuid, Uuid),
    /// These members.
    Ids(&'a [Uuid]),
}

impl Scope<'_> {
    /// The condition on a table's member column.
    fn on(&self, column: impl ColumnTrait + IntoColumnRef + Copy) -> SimpleExpr {
        use sea_orm::sea_query::ExprTrait;
        match self {
            Scope::Range(first, last) => column.gte(*first).and(column.lte(*last)),
            Scope::Ids(ids) => column.is_in(ids.iter().copied()),
        }
    }
}

/// Spend per member in the window's current and previous cycle: the net paid spend of
/// the orders placed in each plus the opening spend dated in each.
pub(crate) type Spend = HashMap<Uuid, (i64, i64)>;

/// Sums the spend of the members in `scope` (nothing for INITIAL_TIER).
pub(crate) async fn spend<C: ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    window: &Window,
    mode: ActivationMode,
    scope: Scope<'_>,
) -> Result<Spend> {
    let mut out = Spend::new();
    if mode == ActivationMode::InitialTier {
        return Ok(out);
    }
    use order::Column as O;
    use sea_orm::sea_query::ExprTrait;
    let net = || Expr::col(O::Paid).sub(Expr::col(O::ReversedSpend));
    // PostgreSQL sums bigints as numeric; both read the cast back as an i64.
    let sum = |current: bool| {
        let inside = window.in_current(O::PlacedAt);
        let inside = if current { inside } else { inside.not() };
        Func::cast_as(
            Func::sum(Expr::case(inside, net()).finally(0i64)),
            Alias::new("BIGINT"),
        )
    };
    let rows: Vec<(Uuid, i64, i64)> = order::Entity::find()
        .select_only()
        .column(O::MemberId)
        .expr_as(sum(true), "current")
        .expr_as(sum(false), "previous")
        .filter(O::ShopId.eq(policy.shop.id))
        .filter(scope.on(O::MemberId))
        .filter(window.covers(O::PlacedAt))
        .group_by(O::MemberId)
        .into_tuple()
        .all(conn)
        .await?;
    for (member, current, previous) in rows {
        out.insert(member, (current, previous));
    }
    let opening_rows =
        opening_spend::counted(conn, policy, window, scope.on(opening::Column::MemberId)).await?;
    for (member, cycle, amount) in opening_rows {
        let sums = out.entry(member).or_insert((0, 0));
        let sum = if cycle == window.current {
            &mut sums.0
        } else {
            &mut sums.1
        };
        *sum = sum.saturating_add(amount);
    }
    Ok(out)
}

/// The counters a member with `spend` starts with: (current, previous).
fn counters(window: &Window, spend: Option<&(i64, i64)>) -> (i64, i64) {
    let (current, previous) = spend.copied().unwrap_or((0, 0));
    let previous = if window.previous.is_some() {
        previous
    } else {
        0
    };
    (current.max(0), previous.max(0))
}

/// The tier a member with `spend` starts in, as [`rank`] sets it.
pub(crate) fn tier<'p>(
    policy: &'p Policy,
    window: &Window,
    spend: Option<&(i64, i64)>,
) -> Option<&'p Tier> {
    let (current, previous) = counters(window, spend);
    policy.tier_for(current.max(previous))
}

/// Sets each row's cycle, ranking counters and tier. `policy` is the program as it will
/// be once ACTIVE.
pub(crate) fn rank(policy: &Policy, window: &Window, spend: &Spend, rows: &mut [member::Model]) {
    for row in rows {
        let (current, previous) = counters(window, spend.get(&row.id));
        row.cycle_start = Some(window.current);
        row.ranking_spend = current;
        row.prev_cycle_spend = previous;
        retier(policy, row);
    }
}

/// Ranks the members `rows` (all those `scope` selects) and writes their ranking and,
/// for BACKFILL, the cycles their opening spend counts in. Nothing else of the member is
/// written, `updated_at` included: the activation's last step ranks again the members
/// something else touched since it started, which `updated_at` tells.
pub(crate) async fn rank_and_write<C: ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    window: &Window,
    mode: ActivationMode,
    scope: Scope<'_>,
    rows: &mut [member::Model],
) -> Result<()> {
    let spend = spend(conn, policy, window, mode, scope).await?;
    rank(policy, window, &spend, rows);
    save_ranking(conn, rows).await?;
    if mode == ActivationMode::Backfill {
        opening_spend::mark_counted(conn, policy, window, scope.on(opening::Column::MemberId))
            .await?;
    }
    Ok(())
}

/// The members of `shop_id` selected by `scope`, by id.
pub(crate) async fn members<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    scope: Scope<'_>,
) -> Result<Vec<member::Model>> {
    Ok(member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(scope.on(member::Column::Id))
        .all(conn)
        .await?)
}
