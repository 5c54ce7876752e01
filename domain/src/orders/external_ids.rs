//! The channel's ids of orders known by their id, for what links to an order (the
//! voucher an order used).
use crate::Result;
use loyalty_entities::order;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// The external ids of the shop's orders `ids`, in one statement; unknown ids are left
/// out.
pub async fn external_ids<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::ExternalId)
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::Id.is_in(ids.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}
