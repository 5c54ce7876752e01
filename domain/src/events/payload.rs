//! The `data` of each event type, version [`super::outbox::PAYLOAD_VERSION`]. Keys are
//! camelCase like the GraphQL API; amounts of VND are strings of whole VND (as the API's
//! `Decimal`), points are numbers, times RFC 3339 in UTC. README lists one example each.
use super::{Event, EventType};
use chrono::{DateTime, NaiveDate, Utc};
use loyalty_entities::{member, order, refund, voucher};
use serde_json::{Value, json};
use uuid::Uuid;

/// A tier as events name it.
#[derive(Debug, Clone)]
pub struct TierRef {
    /// Its id.
    pub id: Uuid,
    /// Its name when the event was raised.
    pub name: String,
}

fn tier(t: &Option<TierRef>) -> Value {
    t.as_ref()
        .map_or(Value::Null, |t| json!({"id": t.id, "name": t.name}))
}

fn member_ref(m: &member::Model) -> Value {
    json!({"id": m.id, "externalId": m.external_id})
}

/// `order.recorded`.
pub fn order_recorded(o: &order::Model, m: &member::Model) -> Event {
    Event::member(
        EventType::OrderRecorded,
        m.id,
        json!({
            "orderId": o.id,
            "externalId": o.external_id,
            "member": member_ref(m),
            "channel": o.channel,
            "placedAt": o.placed_at,
            "subtotal": o.subtotal.to_string(),
            "discountTotal": o.discount_total.to_string(),
            "total": o.total.to_string(),
            "paid": o.paid.to_string(),
            "pointsRedeemed": o.points_redeemed,
            "pointsEarned": o.points_earned,
        }),
    )
}

/// `order.refunded`.
pub fn order_refunded(o: &order::Model, r: &refund::Model, m: &member::Model) -> Event {
    Event::member(
        EventType::OrderRefunded,
        m.id,
        json!({
            "orderId": o.id,
            "externalId": o.external_id,
            "refundId": r.id,
            "refundExternalId": r.refund_key,
            "member": member_ref(m),
            "amount": r.amount.to_string(),
            "pointsReversed": r.points_reversed,
            "pointsRestored": r.points_restored,
            "refundedTotal": o.refunded_amount.to_string(),
        }),
    )
}

/// `points.earned`, `points.redeemed`, `points.expired` or `points.adjusted`: `points`
/// signed as the ledger has them.
pub fn points(
    kind: EventType,
    m: &member::Model,
    points: i64,
    reason: Option<&str>,
    order_id: Option<Uuid>,
) -> Event {
    Event::member(
        kind,
        m.id,
        json!({
            "member": member_ref(m),
            "points": points,
            "reason": reason,
            "orderId": order_id,
        }),
    )
}

/// `points.expiring_soon`: a lot of `points` that expires at `expires_at`.
pub fn points_expiring_soon(
    m: &member::Model,
    points: i64,
    expires_at: DateTime<Utc>,
    expires_on: NaiveDate,
) -> Event {
    Event::member(
        EventType::PointsExpiringSoon,
        m.id,
        json!({
            "member": member_ref(m),
            "points": points,
            "expiresAt": expires_at,
            "expiresOn": expires_on,
        }),
    )
}

/// `member.registered`.
pub fn member_registered(
    m: &member::Model,
    at: DateTime<Utc>,
    tier_now: &Option<TierRef>,
) -> Event {
    Event::member(
        EventType::MemberRegistered,
        m.id,
        json!({
            "member": member_ref(m),
            "registeredAt": at,
            "tier": tier(tier_now),
        }),
    )
}

/// Why a member's tier changed.
#[derive(Debug, Clone, Copy)]
pub enum TierChange {
    /// An order's spend.
    Order,
    /// A refund took spend back.
    Refund,
    /// A new accumulation cycle began.
    CycleRoll,
    /// The member registered with spend already counted.
    Registration,
}

impl TierChange {
    fn as_str(self) -> &'static str {
        match self {
            TierChange::Order => "ORDER",
            TierChange::Refund => "REFUND",
            TierChange::CycleRoll => "CYCLE_ROLL",
            TierChange::Registration => "REGISTRATION",
        }
    }
}

/// `member.tier_changed`: from one tier (none before the first) to another, and why.
pub fn tier_changed(
    m: &member::Model,
    from: &Option<TierRef>,
    to: &Option<TierRef>,
    why: TierChange,
) -> Event {
    Event::member(
        EventType::MemberTierChanged,
        m.id,
        json!({
            "member": member_ref(m),
            "from": tier(from),
            "to": tier(to),
            "why": why.as_str(),
            "rankingSpend": m.ranking_spend.to_string(),
        }),
    )
}

/// `voucher.issued` or `voucher.used` (with the order that used it).
pub fn voucher(kind: EventType, v: &voucher::Model, external_id: Option<&str>) -> Event {
    let data = json!({
        "code": v.code,
        "offerId": v.offer_id,
        "member": v.member_id.map(|id| json!({"id": id, "externalId": external_id})),
        "source": v.source,
        "issuedAt": v.issued_at,
        "expiresAt": v.expires_at,
        "usedAt": v.used_at,
        "orderId": v.order_id,
    });
    match v.member_id {
        Some(id) => Event::member(kind, id, data),
        None => Event::shop(kind, data),
    }
}

/// `voucher.used` by an order.
pub fn voucher_used(
    code: &str,
    offer_id: Uuid,
    m: &member::Model,
    order_id: Uuid,
    at: DateTime<Utc>,
) -> Event {
    Event::member(
        EventType::VoucherUsed,
        m.id,
        json!({
            "code": code,
            "offerId": offer_id,
            "member": member_ref(m),
            "orderId": order_id,
            "usedAt": at,
        }),
    )
}
