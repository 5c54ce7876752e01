//! Recording what a round's posts came to, per shop in one transaction: delivered rows
//! in one statement, failures retried with backoff until their window closes, and an
//! endpoint that has failed every attempt for `disable_after` disabled with the reason.
//! Every update is guarded by this worker's lease, so a worker whose lease ran out
//! (and whose delivery another worker took over) records nothing.
use super::WebhookConfig;
use super::send::Attempt;
use crate::Result;
use crate::events::subscriptions;
use chrono::{DateTime, Utc};
use loyalty_entities::webhook_delivery::{self, Column, WebhookDeliveryStatus as Status};
use loyalty_entities::webhook_endpoint::{self, EndpointStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// What became of a shop's posts in one round.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Delivered.
    pub delivered: u64,
    /// To be tried again.
    pub retried: u64,
    /// Failed for good.
    pub failed: u64,
    /// Endpoints disabled for failing too long.
    pub disabled: u64,
}

/// Records the attempts of one shop's claimed deliveries.
pub async fn record(
    db: &sea_orm::DatabaseConnection,
    config: &WebhookConfig,
    shop_id: Uuid,
    results: Vec<(webhook_delivery::Model, Attempt)>,
    now: DateTime<Utc>,
) -> Result<Counts> {
    let mut counts = Counts::default();
    let txn = db.begin().await?;
    let mut delivered: BTreeMap<(Uuid, u16), Vec<Uuid>> = BTreeMap::new();
    let mut ok_endpoints = BTreeSet::new();
    let mut failing: BTreeMap<Uuid, String> = BTreeMap::new();
    for (d, attempt) in results {
        let Some(lease) = d.lease else { continue };
        match attempt {
            Attempt::Delivered(status) => {
                delivered.entry((lease, status)).or_default().push(d.id);
                ok_endpoints.insert(d.endpoint_id);
            }
            Attempt::Failed(status, error) => {
                let give_up = now >= d.retry_until;
                let next = now + config.backoff(d.attempts);
                webhook_delivery::Entity::update_many()
                    .col_expr(
                        Column::Status,
                        Expr::value(if give_up {
                            Status::Failed
                        } else {
                            Status::Pending
                        }),
                    )
                    .col_expr(Column::NextAttemptAt, Expr::value(next))
                    .col_expr(Column::Lease, Expr::value(None::<Uuid>))
                    .col_expr(Column::LeaseUntil, Expr::value(None::<DateTime<Utc>>))
                    .col_expr(Column::LastStatus, Expr::value(status.map(i64::from)))
                    .col_expr(Column::LastError, Expr::value(error.clone()))
                    .col_expr(Column::UpdatedAt, Expr::value(now))
                    .filter(Column::ShopId.eq(shop_id))
                    .filter(Column::Id.eq(d.id))
                    .filter(Column::Lease.eq(lease))
                    .exec(&txn)
                    .await?;
                if give_up {
                    counts.failed += 1;
                } else {
                    counts.retried += 1;
                }
                failing.insert(d.endpoint_id, error);
            }
        }
    }
    for ((lease, status), ids) in delivered {
        let done = webhook_delivery::Entity::update_many()
            .col_expr(Column::Status, Expr::value(Status::Delivered))
            .col_expr(Column::DeliveredAt, Expr::value(now))
            .col_expr(Column::Lease, Expr::value(None::<Uuid>))
            .col_expr(Column::LeaseUntil, Expr::value(None::<DateTime<Utc>>))
            .col_expr(Column::LastStatus, Expr::value(i64::from(status)))
            .col_expr(Column::LastError, Expr::value(None::<String>))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::ShopId.eq(shop_id))
            .filter(Column::Id.is_in(ids))
            .filter(Column::Lease.eq(lease))
            .exec(&txn)
            .await?;
        counts.delivered += done.rows_affected;
    }
    if !ok_endpoints.is_empty() {
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::FailingSince,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(webhook_endpoint::Column::ShopId.eq(shop_id))
            .filter(webhook_endpoint::Column::Id.is_in(ok_endpoints.iter().copied()))
            .filter(webhook_endpoint::Column::FailingSince.is_not_null())
            .exec(&txn)
            .await?;
    }
    for (endpoint_id, error) in failing {
        if ok_endpoints.contains(&endpoint_id) {
            continue;
        }
        counts.disabled += fail_endpoint(&txn, config, shop_id, endpoint_id, &error, now).await?;
    }
    txn.commit().await?;
    if counts.disabled > 0 {
        subscriptions::forget(shop_id);
    }
    Ok(counts)
}

/// Notes that the endpoint failed at `now`; disables it when it has failed since
/// `disable_after` ago. Returns 1 if it was disabled.
async fn fail_endpoint<C: ConnectionTrait>(
    conn: &C,
    config: &WebhookConfig,
    shop_id: Uuid,
    endpoint_id: Uuid,
    error: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    let Some(row) = webhook_endpoint::Entity::find_by_id((shop_id, endpoint_id))
        .one(conn)
        .await?
    else {
        return Ok(0);
    };
    let Some(since) = row.failing_since else {
        webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(now))
            .filter(webhook_endpoint::Column::ShopId.eq(shop_id))
            .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
            .filter(webhook_endpoint::Column::FailingSince.is_null())
            .exec(conn)
            .await?;
        return Ok(0);
    };
    if now - since < config.disable_after || row.status != EndpointStatus::Active {
        return Ok(0);
    }
    let reason = format!(
        "every delivery failed from {} to {}; last error: {error}",
        since.to_rfc3339(),
        now.to_rfc3339()
    );
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
        .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
        .filter(webhook_endpoint::Column::Status.eq(EndpointStatus::Active))
        .exec(conn)
        .await?;
    Ok(done.rows_affected)
}
