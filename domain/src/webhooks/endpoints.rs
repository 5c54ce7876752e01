//! A shop's webhook endpoints: created with the event types they want and a signing
//! secret shown once, listed, disabled and deleted. Every change forgets the shop's
//! cached subscriptions in this process once it commits.
use super::signature::new_secret;
use crate::events::{EventType, subscriptions};
use crate::secrets::{Purpose, Secret};
use crate::{Ctx, DomainError, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::shop;
use loyalty_entities::webhook_delivery::{self, WebhookDeliveryStatus};
use loyalty_entities::webhook_endpoint::{self, EndpointStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// Most endpoints one shop may hold: each event is written once per subscribed endpoint.
pub const MAX_ENDPOINTS: u64 = 20;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 500;

/// An endpoint as shown: never its secret.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Its id.
    pub id: Uuid,
    /// Where events are posted.
    pub url: String,
    /// What the merchant wrote about it.
    pub description: String,
    /// The types it receives.
    pub events: Vec<EventType>,
    /// Whether it receives events.
    pub status: EndpointStatus,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed.
    pub failing_since: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Endpoint {
    fn from_row(r: webhook_endpoint::Model) -> Self {
        Self {
            id: r.id,
            events: subscriptions::parse_types(&r.event_types),
            url: r.url,
            description: r.description,
            status: r.status,
            disabled_reason: r.disabled_reason,
            failing_since: r.failing_since,
            created_at: r.created_at,
        }
    }
}

/// What creating an endpoint takes.
#[derive(Debug, Clone)]
pub struct EndpointInput {
    /// Where to post.
    pub url: String,
    /// The event types, as spelled on the wire.
    pub events: Vec<String>,
    /// A note for the merchant.
    pub description: Option<String>,
}

/// Creates an endpoint; returns it with its signing secret, which is never shown again.
/// A server without `LOYALTY_SECRET_KEY` refuses (the secret could not be stored).
pub async fn create(ctx: &Ctx, shop_id: Uuid, input: EndpointInput) -> Result<(Endpoint, Secret)> {
    let url = ctx.webhook_urls.check(&input.url)?;
    if input.events.is_empty() || input.events.len() > EventType::ALL.len() {
        return Err(DomainError::invalid(
            "events",
            "name 1 to 13 event types, e.g. [\"order.recorded\"]",
        ));
    }
    let mut events = input
        .events
        .iter()
        .map(|e| EventType::parse("events", e))
        .collect::<Result<Vec<_>>>()?;
    events.sort_unstable();
    events.dedup();
    let description = input.description.unwrap_or_default().trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(DomainError::invalid(
            "description",
            "a description has at most 500 characters",
        ));
    }
    let secret = new_secret();
    let sealed = ctx.secrets.seal(shop_id, Purpose::WebhookSecret, &secret)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    // The shop's row is the lock that keeps two creations from passing the cap together.
    shop::Entity::find_by_id(shop_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("shop not found".into()))?;
    let held = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::ShopId.eq(shop_id))
        .count(&txn)
        .await?;
    if held >= MAX_ENDPOINTS {
        return Err(DomainError::LimitExceeded(format!(
            "a shop holds at most {MAX_ENDPOINTS} webhook endpoints; delete one first"
        )));
    }
    let row = webhook_endpoint::Model {
        shop_id,
        id: new_id(),
        url: url.to_string(),
        description,
        event_types: serde_json::to_string(&events.iter().map(|e| e.as_str()).collect::<Vec<_>>())
            .map_err(|e| DomainError::Internal(format!("event types as JSON: {e}")))?,
        secret: sealed,
        status: EndpointStatus::Active,
        disabled_reason: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    webhook_endpoint::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    crate::audit::record(&txn, shop_id, &[row.id]).await?;
    txn.commit().await?;
    subscriptions::forget(shop_id);
    Ok((Endpoint::from_row(row), secret))
}

/// The shop's endpoints, oldest first.
pub async fn list(ctx: &Ctx, shop_id: Uuid) -> Result<Vec<Endpoint>> {
    Ok(webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::ShopId.eq(shop_id))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(Endpoint::from_row)
        .collect())
}

/// One endpoint of the shop.
pub async fn get(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Endpoint> {
    webhook_endpoint::Entity::find_by_id((shop_id, id))
        .one(&ctx.db)
        .await?
        .map(Endpoint::from_row)
        .ok_or_else(|| not_found(id))
}

fn not_found(id: Uuid) -> DomainError {
    DomainError::NotFound(format!("webhook endpoint {id} not found"))
}

/// Stops an endpoint receiving events, with `reason`; its pending deliveries wait.
pub async fn disable(ctx: &Ctx, shop_id: Uuid, id: Uuid, reason: &str) -> Result<Endpoint> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let done = webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::Status,
            Expr::value(EndpointStatus::Disabled),
        )
        .col_expr(
            webhook_endpoint::Column::DisabledReason,
            Expr::value(reason),
        )
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_endpoint::Column::ShopId.eq(shop_id))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(not_found(id));
    }
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    subscriptions::forget(shop_id);
    get(ctx, shop_id, id).await
}

/// Lets a disabled endpoint receive events again (the partner fixed its receiver): its
/// waiting deliveries go out now, each retried for another 24 hours from now, in one
/// transaction. An active endpoint is left as it is.
pub async fn enable(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Endpoint> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let row = webhook_endpoint::Entity::find_by_id((shop_id, id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| not_found(id))?;
    if row.status != EndpointStatus::Active {
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::Status,
                Expr::value(EndpointStatus::Active),
            )
            .col_expr(
                webhook_endpoint::Column::DisabledReason,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                webhook_endpoint::Column::FailingSince,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_endpoint::Column::ShopId.eq(shop_id))
            .filter(webhook_endpoint::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(now))
            .col_expr(
                webhook_delivery::Column::RetryUntil,
                Expr::value(now + crate::events::outbox::retry_window()),
            )
            .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_delivery::Column::ShopId.eq(shop_id))
            .filter(webhook_delivery::Column::EndpointId.eq(id))
            .filter(webhook_delivery::Column::Status.eq(WebhookDeliveryStatus::Pending))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    subscriptions::forget(shop_id);
    get(ctx, shop_id, id).await
}

/// Deletes an endpoint and its deliveries, in one transaction.
pub async fn delete(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<()> {
    let txn = ctx.db.begin().await?;
    let done = webhook_endpoint::Entity::delete_many()
        .filter(webhook_endpoint::Column::ShopId.eq(shop_id))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(not_found(id));
    }
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::ShopId.eq(shop_id))
        .filter(webhook_delivery::Column::EndpointId.eq(id))
        .exec(&txn)
        .await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    subscriptions::forget(shop_id);
    Ok(())
}
