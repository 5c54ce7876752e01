//! NO_PURCHASE_FOR_DAYS: members whose last purchase turned N days old within the window
//! and who have bought nothing since (their last purchase is still that one). A purchase
//! and a new lapse make a new occurrence.
use super::{Occurrence, Window};
use crate::Result;
use chrono::{DateTime, Duration, Utc};
use loyalty_entities::member;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// The win-back occurrences of `window`, keyed by the lapsed purchase's time.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    days: i64,
    window: Window,
) -> Result<Vec<Occurrence>> {
    let lapse = Duration::days(days);
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = member::Entity::find()
        .select_only()
        .column(member::Column::Id)
        .column(member::Column::LastPurchaseAt)
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::LastPurchaseAt.gt(window.from - lapse))
        .filter(member::Column::LastPurchaseAt.lte(window.to - lapse))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| {
            Some(Occurrence::plain(
                id,
                format!("winback:{}", at?.timestamp_micros()),
            ))
        })
        .collect())
}
