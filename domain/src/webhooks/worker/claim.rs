//! Claiming a shop's due deliveries: the head of each member's queue on each active
//! endpoint ([`heads`]), leased to this worker by one guarded statement, so that two workers (or two
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
use std::collections::{BTreeSet, HashMap};
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

/// The first open (waiting or being sent) delivery of each member's queue that the
/// candidates belong to: only it may go, so a member's later event waits for the
/// earlier one (delivered, or failed for good). One statement for the whole batch, by
/// the `(shop_id, endpoint_id, order_key, status, id)` index, rather than a check per
/// candidate, so a planner misled by stale statistics costs one scan, not one per row.
async fn heads<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    endpoints: &[Uuid],
    candidates: &[(Uuid, Uuid, String)],
) -> Result<HashMap<(Uuid, String), Uuid>> {
    let keys: BTreeSet<&str> = candidates.iter().map(|(_, _, k)| k.as_str()).collect();
    // PostgreSQL has no `min(uuid)`: the open rows come in id order, the first of each
    // queue is its head.
    let open: Vec<(Uuid, Uuid, String)> = webhook_delivery::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::EndpointId)
        .column(Column::OrderKey)
        .filter(Column::ShopId.eq(shop_id))
        .filter(Column::EndpointId.is_in(endpoints.to_vec()))
        .filter(Column::OrderKey.is_in(keys))
        .filter(Column::Status.is_in([Status::Pending, Status::Sending]))
        .order_by_asc(Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let mut heads = HashMap::new();
    for (id, endpoint, key) in open {
        heads.entry((endpoint, key)).or_insert(id);
    }
    Ok(heads)
}

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
    let candidates: Vec<(Uuid, Uuid, String)> = webhook_delivery::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::EndpointId)
        .column(Column::OrderKey)
        .filter(Column::ShopId.eq(shop_id))
        .filter(Column::EndpointId.is_in(endpoints.to_vec()))
        .filter(due(now))
        .order_by_asc(Column::Id)
        .limit(config.batch)
        .into_tuple()
        .all(conn)
        .await?;
    if candidates.is_empty() {
        return Ok(vec![]);
    }
    let heads = heads(conn, shop_id, endpoints, &candidates).await?;
    let ids: Vec<Uuid> = candidates
        .into_iter()
        .filter(|(id, endpoint, key)| heads.get(&(*endpoint, key.clone())) == Some(id))
        .map(|(id, ..)| id)
        .collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let lease = new_id();
    // Guarded by `due` again: of two workers that read the same rows, the second finds
    // them leased and takes none. The rows come back from the statement itself, so no
    // index on the lease is needed (one would tempt the planner into scanning a shop's
    // deliveries by it for the check of earlier ones above).
    let mut rows = webhook_delivery::Entity::update_many()
        .col_expr(Column::Status, Expr::value(Status::Sending))
        .col_expr(Column::Lease, Expr::value(lease))
        .col_expr(Column::LeaseUntil, Expr::value(now + config.lease))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::ShopId.eq(shop_id))
        .filter(Column::Id.is_in(ids))
        .filter(due(now))
        .exec_with_returning(conn)
        .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}
