//! A member's points that expire soon, by expiry instant, for the member's own wallet
//! ("500 points expire on 31/12").
use super::live::live;
use crate::Result;
use crate::sql::sum_bigint;
use chrono::{DateTime, Utc};
use loyalty_entities::point_lot;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

/// Most expiry instants listed: a wallet shows the next few, not the whole calendar.
pub const MAX_EXPIRIES: u64 = 10;

/// Points due to expire at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// Points that expire then (available or still pending).
    pub points: i64,
    /// When they expire.
    pub at: DateTime<Utc>,
}

/// The member's live points that expire after `now` and by `until`, summed per expiry
/// instant, soonest first, at most [`MAX_EXPIRIES`] instants. One grouped statement over
/// the member's lots (the lots index starts with shop and member).
pub async fn expiring<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Expiry>> {
    let lot = |c: point_lot::Column| Expr::col((point_lot::Entity, c));
    let statement = Query::select()
        .expr(lot(point_lot::Column::ExpiresAt))
        .expr(sum_bigint(lot(point_lot::Column::Remaining)))
        .from(point_lot::Entity)
        .and_where(lot(point_lot::Column::ShopId).eq(shop_id))
        .and_where(lot(point_lot::Column::MemberId).eq(member_id))
        .cond_where(live(point_lot::Entity, now))
        .and_where(lot(point_lot::Column::ExpiresAt).lte(until))
        .group_by_col((point_lot::Entity, point_lot::Column::ExpiresAt))
        .order_by(
            (point_lot::Entity, point_lot::Column::ExpiresAt),
            Order::Asc,
        )
        .limit(MAX_EXPIRIES)
        .to_owned();
    conn.query_all(&statement)
        .await?
        .into_iter()
        .map(|row| {
            Ok(Expiry {
                at: row.try_get_by_index::<DateTime<Utc>>(0)?,
                points: row.try_get_by_index::<i64>(1)?,
            })
        })
        .collect()
}
