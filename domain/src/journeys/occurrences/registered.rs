//! REGISTERED: customers who registered within the window (the registration index of
//! `member_search`).
use super::{Occurrence, Window};
use crate::Result;
use loyalty_entities::member_search;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// The welcome occurrences of `window`: one per member, ever.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    window: Window,
) -> Result<Vec<Occurrence>> {
    let ids: Vec<Uuid> = member_search::Entity::find()
        .select_only()
        .column(member_search::Column::MemberId)
        .filter(member_search::Column::ShopId.eq(shop_id))
        .filter(member_search::Column::RegisteredAt.gt(window.from))
        .filter(member_search::Column::RegisteredAt.lte(window.to))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids
        .into_iter()
        .map(|id| Occurrence::plain(id, "registered".into()))
        .collect())
}
