//! A campaign's deliveries, for the merchant to look into one recipient's outcome.
use super::DeliveryStatus;
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
    status: Option<DeliveryStatus>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DomainError;
    use crate::test_db::with_table;
    use chrono::Utc;
    use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, IntoActiveModel};

    fn delivery(shop_id: Uuid, campaign_id: Uuid) -> campaign_delivery::Model {
        campaign_delivery::Model {
            shop_id,
            id: Uuid::now_v7(),
            campaign_id,
            member_id: Uuid::now_v7(),
            address: Some("84912345601".into()),
            status: DeliveryStatus::Queued,
            skip_reason: None,
            attempts: 0,
            next_attempt_at: Utc::now(),
            lease_until: None,
            held: 0,
            cost: 0,
            error_code: None,
            error_message: None,
            provider_id: None,
            voucher_code: None,
            sent_at: None,
            delivered_at: None,
            attributed_until: None,
            updated_at: Utc::now(),
            occurrence: None,
            fields: None,
        }
    }

    #[tokio::test]
    async fn a_status_is_stored_as_its_name_and_an_unknown_one_is_an_error() {
        let db = with_table(campaign_delivery::Entity).await;
        let (shop, campaign) = (Uuid::now_v7(), Uuid::now_v7());
        let d = delivery(shop, campaign);
        d.clone()
            .into_active_model()
            .insert(&db)
            .await
            .expect("insert");
        let stored: Vec<String> = campaign_delivery::Entity::find()
            .select_only()
            .column(campaign_delivery::Column::Status)
            .into_tuple()
            .all(&db)
            .await
            .expect("raw status");
        assert_eq!(stored, ["QUEUED"]);
        let page = list(&db, shop, campaign, Some(DeliveryStatus::Queued), None, 10)
            .await
            .expect("a known status reads");
        assert_eq!(page.items.len(), 1);

        db.execute_unprepared("UPDATE campaign_deliveries SET status = 'BOUNCED'")
            .await
            .expect("update");
        let err = list(&db, shop, campaign, None, None, 10)
            .await
            .expect_err("an unknown status must not read as some status");
        assert!(
            matches!(&err, DomainError::Db(DbErr::Type(m)) if m.contains("BOUNCED")),
            "{err:?}"
        );
    }
}
