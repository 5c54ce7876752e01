//! A campaign's deliveries, for the merchant to look into one recipient's outcome.
use crate::Result;
use crate::paging::Page;
use loyalty_entities::campaign_delivery;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Deliveries of a campaign in creation order, optionally in one status, a page at a time.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    campaign_id: Uuid,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<Uuid, campaign_delivery::Model>> {
    let mut q = campaign_delivery::Entity::find()
        .filter(campaign_delivery::Column::ShopId.eq(shop_id))
        .filter(campaign_delivery::Column::CampaignId.eq(campaign_id));
    if let Some(s) = status {
        q = q.filter(campaign_delivery::Column::Status.eq(s));
    }
    if let Some(a) = after {
        q = q.filter(campaign_delivery::Column::Id.gt(a));
    }
    let rows = q
        .order_by_asc(campaign_delivery::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows.into_iter().map(|r| (r.id, r)).collect();
    Ok(Page::from_overfetch(items, limit))
}
