//! Claiming a shop's due deliveries: the head of each member's queue on each active
//! endpoint, leased to this worker by one guarded statement, so that two workers (or two
//! replicas) never post one delivery at once and a worker that died is replaced when its
//! lease runs out.
use super::WebhookConfig;
use crate::{Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::webhook_delivery::{self, Column, WebhookDeliveryStatus as Status};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Due: waiting and its time has come, or leased by a worker whose lease ran out.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(Column::Status.eq(Status::Pending))
                .add(Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(Column::Status.eq(Status::Sending))
                .add(Column::LeaseUntil.lt(now)),
        )
}

/// No earlier delivery of the same member to the same endpoint is still open: a
/// member's later event waits for the earlier one (delivered, or failed for good).
const HEAD_OF_QUEUE: &str = "NOT EXISTS (SELECT 1 FROM webhook_deliveries AS earlier \
     WHERE earlier.shop_id = webhook_deliveries.shop_id \
     AND earlier.endpoint_id = webhook_deliveries.endpoint_id \
     AND earlier.order_key = webhook_deliveries.order_key \
     AND earlier.status IN ('PENDING', 'SENDING') \
     AND earlier.id < webhook_deliveries.id)";

/// Leases up to `config.batch` due deliveries of the shop's `endpoints` to this worker;
/// returns them as leased.
pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    config: &WebhookConfig,
    shop_id: Uuid,
    endpoints: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<webhook_delivery::Model>> {
    if endpoints.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<Uuid> = webhook_delivery::Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::ShopId.eq(shop_id))
        .filter(Column::EndpointId.is_in(endpoints.to_vec()))
        .filter(due(now))
        .filter(Expr::cust(HEAD_OF_QUEUE))
        .order_by_asc(Column::Id)
        .limit(config.batch)
        .into_tuple()
        .all(conn)
        .await?;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let lease = new_id();
    // Guarded by `due` again: of two workers that read the same rows, the second finds
    // them leased and takes none.
    webhook_delivery::Entity::update_many()
        .col_expr(Column::Status, Expr::value(Status::Sending))
        .col_expr(Column::Lease, Expr::value(lease))
        .col_expr(Column::LeaseUntil, Expr::value(now + config.lease))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::ShopId.eq(shop_id))
        .filter(Column::Id.is_in(ids))
        .filter(due(now))
        .exec(conn)
        .await?;
    Ok(webhook_delivery::Entity::find()
        .filter(Column::ShopId.eq(shop_id))
        .filter(Column::Lease.eq(lease))
        .order_by_asc(Column::Id)
        .all(conn)
        .await?)
}
