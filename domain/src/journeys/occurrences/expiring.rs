//! POINTS_EXPIRING, and the `points.expiring_soon` event: live lots that came within N
//! days of their expiry since the previous scan (by time passing, or by being earned
//! already that close to it). A lot that expired meanwhile is not reminded of.
use super::{Occurrence, Window};
use crate::Result;
use crate::journeys::OccurrenceFields;
use crate::shops::Shop;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use loyalty_entities::point_lot;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Lots read per scan at most; the rest wait for the next scan's window, which starts
/// where this one stopped (see [`due_lots`]).
pub const MAX_LOTS: u64 = 20_000;

/// The last day points expiring at `at` can be used, in the shop's zone: points that
/// expire at a midnight were good through the day before.
pub fn last_day(shop: &Shop, at: DateTime<Utc>) -> NaiveDate {
    shop.local_date(at - Duration::microseconds(1))
}

/// Live lots of the shop expiring within `days` of `window.to` that were not within
/// `days` of expiring at `window.from` (or did not exist then), soonest first.
pub async fn due_lots<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    days: i64,
    window: Window,
) -> Result<Vec<point_lot::Model>> {
    let notice = Duration::days(days);
    Ok(point_lot::Entity::find()
        .filter(point_lot::Column::ShopId.eq(shop.id))
        .filter(point_lot::Column::ExpiresAt.gt(window.to))
        .filter(point_lot::Column::ExpiresAt.lte(window.to + notice))
        .filter(point_lot::Column::Remaining.gt(0))
        .filter(
            Condition::any()
                .add(point_lot::Column::ExpiresAt.gt(window.from + notice))
                .add(point_lot::Column::CreatedAt.gt(window.from)),
        )
        .order_by_asc(point_lot::Column::ExpiresAt)
        .limit(MAX_LOTS)
        .all(conn)
        .await?)
}

/// The reminder occurrences of `window`: one per lot, with its points and last day.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    days: i64,
    window: Window,
) -> Result<Vec<Occurrence>> {
    Ok(due_lots(conn, shop, days, window)
        .await?
        .into_iter()
        .filter_map(|lot| {
            let at = lot.expires_at?;
            Some(Occurrence {
                member_id: lot.member_id,
                key: format!("lot:{}", lot.id),
                fields: OccurrenceFields {
                    expiring_points: lot.remaining,
                    expiring_date: last_day(shop, at).to_string(),
                },
            })
        })
        .collect())
}
