//! Writing events in the transaction of the change they tell: the event row, and one
//! delivery row per endpoint subscribed to its type, so that an event exists if and only
//! if its change committed, and the delivery worker finds it however the process ends.
use super::EventType;
use super::subscriptions::{self, Subscriptions};
use crate::{Result, ids::new_id};
use chrono::{DateTime, SecondsFormat, Utc};
use loyalty_entities::event;
use loyalty_entities::webhook_delivery::{self, WebhookDeliveryStatus};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use uuid::Uuid;

/// The version of every payload's `data`; a change that is not an addition makes 2.
pub const PAYLOAD_VERSION: i64 = 1;

/// How long failed deliveries are retried before they fail for good.
pub fn retry_window() -> chrono::Duration {
    chrono::Duration::hours(24)
}

/// One event to raise: its type, the member it is about, and its `data`.
#[derive(Debug, Clone)]
pub struct Event {
    /// What happened.
    pub kind: EventType,
    /// The member it is about, which orders its deliveries.
    pub member_id: Option<Uuid>,
    /// The payload's `data` object.
    pub data: Value,
}

impl Event {
    /// An event about `member_id`.
    pub fn member(kind: EventType, member_id: Uuid, data: Value) -> Self {
        Self {
            kind,
            member_id: Some(member_id),
            data,
        }
    }

    /// An event about no member in particular (a campaign, a bulk job).
    pub fn shop(kind: EventType, data: Value) -> Self {
        Self {
            kind,
            member_id: None,
            data,
        }
    }
}

/// The body posted to endpoints (Standard Webhooks' `{"type", "timestamp", "data"}`,
/// with the payload's version).
pub fn body(kind: EventType, at: DateTime<Utc>, data: &Value) -> String {
    json!({
        "type": kind.as_str(),
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "version": PAYLOAD_VERSION,
        "data": data,
    })
    .to_string()
}

/// The rows of `events` of the shop: each event an endpoint of `subs` subscribes to (or
/// an active journey reads, see [`subscriptions`]), in their order, and a delivery for
/// each such endpoint. Other events have no row. Pure, so that the PostgreSQL order batches write the same rows in their
/// one statement as [`emit`] writes in its transaction.
pub fn rows(
    shop_id: Uuid,
    events: Vec<Event>,
    subs: &Subscriptions,
    now: DateTime<Utc>,
) -> (Vec<event::Model>, Vec<webhook_delivery::Model>) {
    let mut rows = Vec::new();
    let mut deliveries = Vec::new();
    for e in events {
        let endpoints: Vec<Uuid> = subs.endpoints_for(e.kind).collect();
        if endpoints.is_empty() && !subs.journeys_want(e.kind) {
            continue;
        }
        let id = new_id();
        let order_key = e.member_id.unwrap_or(id).to_string();
        for endpoint_id in endpoints {
            deliveries.push(webhook_delivery::Model {
                shop_id,
                id: new_id(),
                endpoint_id,
                event_id: id,
                event_type: e.kind.as_str().to_owned(),
                order_key: order_key.clone(),
                status: WebhookDeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: now,
                retry_until: now + retry_window(),
                lease: None,
                lease_until: None,
                last_status: None,
                last_error: None,
                delivered_at: None,
                created_at: now,
                updated_at: now,
            });
        }
        rows.push(event::Model {
            shop_id,
            id,
            event_type: e.kind.as_str().to_owned(),
            member_id: e.member_id,
            payload: body(e.kind, now, &e.data),
            created_at: now,
        });
    }
    (rows, deliveries)
}

/// Writes `events` of the shop on `conn` (the caller's transaction), in their order,
/// with a delivery for each subscribed endpoint. Events no endpoint subscribes to are
/// not written: a shop without subscribers pays one cached lookup.
pub async fn emit<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    events: Vec<Event>,
    now: DateTime<Utc>,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let subs = subscriptions::of(conn, shop_id).await?;
    let (rows, deliveries) = rows(shop_id, events, &subs, now);
    if rows.is_empty() {
        return Ok(());
    }
    event::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec_without_returning(conn)
        .await?;
    // Events only journeys read have no delivery.
    if !deliveries.is_empty() {
        webhook_delivery::Entity::insert_many(
            deliveries
                .into_iter()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}
