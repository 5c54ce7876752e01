//! Zalo's delivery receipts (`POST /webhooks/zalo`): the event `user_received_message`
//! says a ZNS message (`message.msg_id`) reached the phone; its delivery becomes
//! DELIVERED with that time. Other events are accepted and ignored.
//!
//! Zalo signs each event with `X-ZEvent-Signature: mac=<hex sha256 of app_id + raw body +
//! timestamp + OA secret key>`, the OA secret key of the app's webhook settings (stored
//! sealed by `connectZaloOa`). The body names the app, not our shop: the shops connected
//! with that app are read (and kept for [`KEEP_FOR`] on this replica, so a campaign's
//! flood of receipts reads no table per event, and an unknown app id is not looked up
//! again for each forged request), and the event belongs to those whose key verifies it.
//! A shop's key never verifies another shop's event, so one shop's webhook cannot mark
//! another's deliveries. Marking is one guarded update per shop (SENT → DELIVERED), so a
//! retried event changes nothing. A receipt for a message id no SENT delivery has (a test
//! message, another system's message on the same OA) is answered 200 and changes
//! nothing: asking Zalo to retry it would never find one.
use crate::secrets::{Purpose, Secret};
use crate::{Ctx, Result};
use chrono::{DateTime, TimeZone, Utc};
use loyalty_entities::campaign_delivery::{self, DeliveryStatus};
use loyalty_entities::zalo_oa_account as oa;
use moka::sync::Cache;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// How long this replica keeps the shops (and webhook keys) of an app id.
pub const KEEP_FOR: Duration = Duration::from_secs(30);

/// The largest event body accepted, bytes (Zalo's events are a few hundred).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The event that says a message reached the phone.
pub const RECEIVED: &str = "user_received_message";

/// The shops connected with one app, and each one's webhook key.
type AppShops = Arc<Vec<(Uuid, Secret)>>;

/// Shops by app id, kept briefly (see the module's comment).
pub struct WebhookKeys {
    by_app: Cache<String, AppShops>,
}

impl std::fmt::Debug for WebhookKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookKeys")
            .field("apps", &self.by_app.entry_count())
            .finish()
    }
}

impl Default for WebhookKeys {
    fn default() -> Self {
        Self {
            by_app: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(KEEP_FOR)
                .build(),
        }
    }
}

impl WebhookKeys {
    /// The shops connected with `app_id` that gave a webhook key, with the key opened.
    /// The lookup by app id reads the accounts table without an index (every index
    /// starts with the shop); it has one row per connected shop, and the answer is kept.
    async fn shops_of(&self, ctx: &Ctx, app_id: &str) -> Result<AppShops> {
        if let Some(known) = self.by_app.get(app_id) {
            return Ok(known);
        }
        let rows: Vec<(Uuid, Option<String>)> = oa::Entity::find()
            .select_only()
            .column(oa::Column::ShopId)
            .column(oa::Column::WebhookSecretKey)
            .filter(oa::Column::AppId.eq(app_id))
            .into_tuple()
            .all(&ctx.db)
            .await?;
        let shops: Vec<(Uuid, Secret)> = rows
            .into_iter()
            .filter_map(|(shop_id, sealed)| {
                let key = ctx
                    .secrets
                    .open(shop_id, Purpose::ZaloWebhookKey, sealed.as_deref()?)
                    .ok()?;
                Some((shop_id, key))
            })
            .collect();
        let shops = Arc::new(shops);
        self.by_app.insert(app_id.to_owned(), shops.clone());
        Ok(shops)
    }

    /// Forgets what is kept of `app_id` (a shop connected or reconnected with it).
    pub fn forget(&self, app_id: &str) {
        self.by_app.invalidate(app_id);
    }
}

/// Whether `mac` (hex) is the signature of `body` for `app_id` at `timestamp` with `key`.
pub fn verify(app_id: &str, body: &[u8], timestamp: &str, key: &Secret, mac: &str) -> bool {
    let Ok(given) = hex::decode(mac.trim()) else {
        return false;
    };
    let expected = sign(app_id, body, timestamp, key);
    expected.as_slice().ct_eq(&given).into()
}

/// The signature Zalo puts on an event (raw SHA-256 bytes).
pub fn sign(app_id: &str, body: &[u8], timestamp: &str, key: &Secret) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(app_id.as_bytes());
    h.update(body);
    h.update(timestamp.as_bytes());
    h.update(key.expose().as_bytes());
    h.finalize().to_vec()
}

/// Why an event was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not JSON, or without `app_id` or `timestamp`.
    Malformed(String),
    /// No signature, no shop connected with the app, or no shop's key verifies it.
    Unauthorized,
}

/// What an accepted event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// Deliveries it marked DELIVERED now (0 for other events, unknown message ids and
    /// repeats).
    pub marked: u64,
}

#[derive(Deserialize)]
struct Event {
    #[serde(default)]
    event_name: String,
    app_id: serde_json::Value,
    timestamp: serde_json::Value,
    #[serde(default)]
    message: Option<EventMessage>,
}

#[derive(Deserialize)]
struct EventMessage {
    #[serde(default)]
    msg_id: Option<String>,
    /// When the phone got it (Unix milliseconds), on ZNS receipts.
    #[serde(default)]
    delivery_time: Option<serde_json::Value>,
}

/// Zalo writes ids and times both as strings and as numbers.
fn text_of(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn millis(v: &serde_json::Value) -> Option<DateTime<Utc>> {
    let ms = v
        .as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))?;
    Utc.timestamp_millis_opt(ms).single()
}

/// Takes one event: `body` as received and the `X-ZEvent-Signature` header.
pub async fn receive(
    ctx: &Ctx,
    keys: &WebhookKeys,
    body: &[u8],
    signature: Option<&str>,
) -> Result<std::result::Result<Accepted, Refused>> {
    let Some(mac) = signature
        .map(str::trim)
        .and_then(|s| s.strip_prefix("mac="))
    else {
        return Ok(Err(Refused::Unauthorized));
    };
    let event: Event = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) => return Ok(Err(Refused::Malformed(e.to_string()))),
    };
    let (Some(app_id), Some(timestamp)) = (text_of(&event.app_id), text_of(&event.timestamp))
    else {
        return Ok(Err(Refused::Malformed(
            "app_id and timestamp are required".into(),
        )));
    };
    // Not an app id any shop could have connected (`connectZaloOa` takes 1 to 64
    // letters or digits): refused without reading anything.
    if app_id.is_empty() || app_id.len() > 64 || !app_id.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Ok(Err(Refused::Unauthorized));
    }
    let shops: Vec<Uuid> = keys
        .shops_of(ctx, &app_id)
        .await?
        .iter()
        .filter(|(_, key)| verify(&app_id, body, &timestamp, key, mac))
        .map(|(shop_id, _)| *shop_id)
        .collect();
    if shops.is_empty() {
        return Ok(Err(Refused::Unauthorized));
    }
    let msg_id = event
        .message
        .as_ref()
        .and_then(|m| m.msg_id.clone())
        .filter(|id| !id.is_empty() && id.len() <= 128);
    let (true, Some(msg_id)) = (event.event_name == RECEIVED, msg_id) else {
        return Ok(Ok(Accepted { marked: 0 }));
    };
    let at = event
        .message
        .as_ref()
        .and_then(|m| m.delivery_time.as_ref())
        .and_then(millis)
        .or_else(|| millis(&event.timestamp))
        .unwrap_or_else(|| ctx.clock.now());
    let mut marked = 0;
    for shop_id in shops {
        marked += mark_delivered(ctx, shop_id, &msg_id, at).await?;
    }
    Ok(Ok(Accepted { marked }))
}

/// Marks the shop's SENT delivery whose provider id is `msg_id` DELIVERED at `at`; 0
/// when there is none (not ours, or already marked).
pub async fn mark_delivered(
    ctx: &Ctx,
    shop_id: Uuid,
    msg_id: &str,
    at: DateTime<Utc>,
) -> Result<u64> {
    let done = campaign_delivery::Entity::update_many()
        .col_expr(
            campaign_delivery::Column::Status,
            Expr::value(DeliveryStatus::Delivered),
        )
        .col_expr(
            campaign_delivery::Column::DeliveredAt,
            Expr::value(Some(at)),
        )
        .col_expr(
            campaign_delivery::Column::UpdatedAt,
            Expr::value(ctx.clock.now()),
        )
        .filter(campaign_delivery::Column::ShopId.eq(shop_id))
        .filter(campaign_delivery::Column::ProviderId.eq(msg_id))
        .filter(campaign_delivery::Column::Status.eq(DeliveryStatus::Sent))
        .exec(&ctx.db)
        .await?;
    Ok(done.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_with_its_key_body_and_time() {
        let key = Secret::new("oa-secret");
        let body = br#"{"event_name":"user_received_message"}"#;
        let mac = hex::encode(sign("app1", body, "1700000000000", &key));
        assert!(verify("app1", body, "1700000000000", &key, &mac));
        assert!(!verify(
            "app1",
            body,
            "1700000000000",
            &Secret::new("other"),
            &mac
        ));
        assert!(!verify("app1", body, "1700000000001", &key, &mac));
        assert!(!verify("app2", body, "1700000000000", &key, &mac));
        assert!(!verify("app1", b"{}", "1700000000000", &key, &mac));
        assert!(!verify("app1", body, "1700000000000", &key, "not hex"));
    }
}
