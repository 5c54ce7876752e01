//! An endpoint's deliveries, for the merchant to see what reached the partner, and the
//! replay of one.
use crate::paging::Page;
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::event;
use loyalty_entities::webhook_delivery::{self, WebhookDeliveryStatus};
use loyalty_entities::webhook_endpoint::{self, EndpointStatus};
use sea_orm::TransactionTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// A delivery with its event.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The delivery row.
    pub row: webhook_delivery::Model,
    /// The event's body as posted (gone only if the event row was removed).
    pub payload: Option<String>,
}

/// The endpoint's deliveries in creation order, optionally in one status, a page at a
/// time: one statement for the page and one for its events.
pub async fn list(
    ctx: &Ctx,
    shop_id: Uuid,
    endpoint_id: Uuid,
    status: Option<WebhookDeliveryStatus>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Page<Uuid, Delivery>> {
    let mut q = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::ShopId.eq(shop_id))
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id));
    if let Some(s) = status {
        q = q.filter(webhook_delivery::Column::Status.eq(s));
    }
    if let Some(a) = after {
        q = q.filter(webhook_delivery::Column::Id.gt(a));
    }
    let rows = q
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(limit + 1)
        .all(&ctx.db)
        .await?;
    let payloads = payloads(ctx, shop_id, rows.iter().map(|r| r.event_id).collect()).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let payload = payloads.get(&row.event_id).cloned();
            (row.id, Delivery { row, payload })
        })
        .collect();
    Ok(Page::from_overfetch(items, limit))
}

/// The bodies of the shop's events `ids`.
pub async fn payloads(ctx: &Ctx, shop_id: Uuid, ids: Vec<Uuid>) -> Result<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .column(event::Column::Payload)
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, String)>()
        .all(&ctx.db)
        .await?
        .into_iter()
        .collect())
}

/// Sends a delivery again as soon as a worker is free, retried for another day if it
/// fails; a delivery being sent right now, or of a disabled endpoint, is refused.
pub async fn replay(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Delivery> {
    let now: DateTime<Utc> = ctx.clock.now();
    let row = webhook_delivery::Entity::find_by_id((shop_id, id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("webhook delivery {id} not found")))?;
    let endpoint = webhook_endpoint::Entity::find_by_id((shop_id, row.endpoint_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| DomainError::NotFound("its webhook endpoint was deleted".into()))?;
    if endpoint.status != EndpointStatus::Active {
        return Err(DomainError::Conflict(
            "the delivery's endpoint is disabled; create a new endpoint to receive events again"
                .into(),
        ));
    }
    let txn = ctx.db.begin().await?;
    let done = webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(WebhookDeliveryStatus::Pending),
        )
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            webhook_delivery::Column::RetryUntil,
            Expr::value(now + crate::events::outbox::retry_window()),
        )
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_delivery::Column::ShopId.eq(shop_id))
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::Status.ne(WebhookDeliveryStatus::Sending))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(DomainError::Conflict(
            "the delivery is being sent right now; look again in a moment".into(),
        ));
    }
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    let row = webhook_delivery::Entity::find_by_id((shop_id, id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("webhook delivery {id} not found")))?;
    let payload = payloads(ctx, shop_id, vec![row.event_id])
        .await?
        .remove(&row.event_id);
    Ok(Delivery { row, payload })
}
