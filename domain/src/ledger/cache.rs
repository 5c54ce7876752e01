//! The members' cached balances (`points_available`, `points_pending`), kept for
//! filtering and sorting thousands of members in SQL. The ledger stays the truth: every
//! write that moves points refreshes the cache in its transaction, and the job refreshes
//! members whose lots matured or expired with time since. A test proves cache = ledger.
use super::balance::live_sum_of;
use crate::Result;
use chrono::{DateTime, Utc};
use loyalty_entities::{member, point_lot};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, UpdateMany};
use uuid::Uuid;

/// Recomputes one member's cached balances at `now`, in one statement.
pub async fn refresh<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    recount(member::Entity::update_many(), shop_id, member_id, now)
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::Id.eq(member_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Members a statement of [`refresh_many`] recounts at most (bound ids).
const MANY: usize = 1000;

/// [`refresh`] for many members of the shop, one statement per [`MANY`]: each member's
/// sums are a subquery on its own row, so a batch job does not pay a round trip a member.
pub async fn refresh_many<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<()> {
    let own = || Expr::col((member::Entity, member::Column::Id));
    for chunk in member_ids.chunks(MANY) {
        recount_of(member::Entity::update_many(), shop_id, own(), now)
            .filter(member::Column::ShopId.eq(shop_id))
            .filter(member::Column::Id.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// `update` setting the member's cached balances to a count of its live lots at `now`.
/// A recount does not say when the next lot matures or expires: it leaves that unknown
/// (`points_stable_until`), and the next order on the batched path counts again and
/// finds out.
pub(crate) fn recount(
    update: UpdateMany<member::Entity>,
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
) -> UpdateMany<member::Entity> {
    recount_of(update, shop_id, Expr::val(member_id), now)
}

/// [`recount`] of the member `member` names: a value, or the updated row's own id.
fn recount_of(
    update: UpdateMany<member::Entity>,
    shop_id: Uuid,
    member: SimpleExpr,
    now: DateTime<Utc>,
) -> UpdateMany<member::Entity> {
    update
        .col_expr(
            member::Column::PointsAvailable,
            live_sum_of(shop_id, member.clone(), now, true).into(),
        )
        .col_expr(
            member::Column::PointsPending,
            live_sum_of(shop_id, member, now, false).into(),
        )
        .col_expr(member::Column::PointsAsOf, Expr::value(now))
        .col_expr(
            member::Column::PointsStableUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
}

/// Members of the shop with a lot that matured or expired between their cache time and
/// `now`: their cached balances are stale.
pub async fn stale_members<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>> {
    let lot = |c: point_lot::Column| Expr::col((point_lot::Entity, c));
    let m = |c: member::Column| Expr::col((member::Entity, c));
    let since = |c: point_lot::Column| {
        Condition::all().add(lot(c).lte(now)).add(
            Condition::any()
                .add(m(member::Column::PointsAsOf).is_null())
                .add(lot(c).gt(m(member::Column::PointsAsOf))),
        )
    };
    let query = Query::select()
        .distinct()
        .column((point_lot::Entity, point_lot::Column::MemberId))
        .from(point_lot::Entity)
        .inner_join(
            member::Entity,
            Condition::all()
                .add(
                    m(member::Column::ShopId)
                        .equals((point_lot::Entity, point_lot::Column::ShopId)),
                )
                .add(
                    m(member::Column::Id).equals((point_lot::Entity, point_lot::Column::MemberId)),
                ),
        )
        .and_where(lot(point_lot::Column::ShopId).eq(shop_id))
        .and_where(lot(point_lot::Column::Remaining).gt(0))
        .cond_where(
            Condition::any()
                .add(since(point_lot::Column::AvailableAt))
                .add(since(point_lot::Column::ExpiresAt)),
        )
        .limit(limit)
        .to_owned();
    let rows = conn.query_all(&query).await?;
    rows.iter()
        .map(|r| r.try_get_by_index::<Uuid>(0).map_err(Into::into))
        .collect()
}
