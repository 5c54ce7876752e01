//! Which event types a shop's endpoints want, cached per process: every change that may
//! raise an event asks, and a shop without a subscriber writes no event at all, so
//! recording an order costs one in-memory lookup more (docs/performance.md).
//!
//! A shop's active tier journeys (the `journeys` table) want `member.tier_changed` too:
//! the outbox is where they read tier changes from, so the event row is written for
//! them even without an endpoint (with no delivery).
//!
//! The cache is a process-wide static rather than a field of [`crate::Ctx`] because the
//! writers that raise events run deep inside transactions that are handed a connection
//! only; its keys are shop ids, which no two databases share. This process forgets a
//! shop's entry when it changes the shop's endpoints; other replicas see the change
//! within [`TTL`].
use crate::Result;
use crate::events::EventType;
use loyalty_entities::journey;
use loyalty_entities::webhook_endpoint::{self, EndpointStatus};
use moka::sync::Cache;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use uuid::Uuid;

/// How long a replica trusts a shop's cached subscriptions: an endpoint created on
/// another replica receives the events raised from this long after its creation.
pub const TTL: Duration = Duration::from_secs(1);

/// The active endpoints of one shop and the types each subscribes to.
#[derive(Debug, Default)]
pub struct Subscriptions {
    endpoints: Vec<(Uuid, Vec<EventType>)>,
    journeys: Vec<EventType>,
}

impl Subscriptions {
    /// The endpoints subscribed to `kind`.
    pub fn endpoints_for(&self, kind: EventType) -> impl Iterator<Item = Uuid> + '_ {
        self.endpoints
            .iter()
            .filter(move |(_, types)| types.contains(&kind))
            .map(|(id, _)| *id)
    }

    /// Whether an active journey reads events of `kind` from the outbox.
    pub fn journeys_want(&self, kind: EventType) -> bool {
        self.journeys.contains(&kind)
    }

    /// Whether any endpoint or journey wants any of `kinds`.
    pub fn wants_any(&self, kinds: &[EventType]) -> bool {
        kinds
            .iter()
            .any(|k| self.endpoints_for(*k).next().is_some() || self.journeys_want(*k))
    }
}

static CACHE: LazyLock<Cache<Uuid, Arc<Subscriptions>>> = LazyLock::new(|| {
    Cache::builder()
        .max_capacity(100_000)
        .time_to_live(TTL)
        .build()
});

/// Reads the stored subscription list of an endpoint; unknown types (from a newer
/// version) are left out rather than failing the writer that asks.
pub fn parse_types(raw: &str) -> Vec<EventType> {
    serde_json::from_str::<Vec<String>>(raw)
        .unwrap_or_default()
        .iter()
        .filter_map(|t| EventType::parse("events", t).ok())
        .collect()
}

/// The shop's subscriptions, from this process's cache or read on `conn`.
pub async fn of<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Arc<Subscriptions>> {
    if let Some(hit) = CACHE.get(&shop_id) {
        return Ok(hit);
    }
    let rows: Vec<(Uuid, String)> = webhook_endpoint::Entity::find()
        .select_only()
        .column(webhook_endpoint::Column::Id)
        .column(webhook_endpoint::Column::EventTypes)
        .filter(webhook_endpoint::Column::ShopId.eq(shop_id))
        .filter(webhook_endpoint::Column::Status.eq(EndpointStatus::Active))
        .into_tuple()
        .all(conn)
        .await?;
    // Read here rather than through the journeys' service, which sits above events.
    let tier_journeys = journey::Entity::find()
        .filter(journey::Column::ShopId.eq(shop_id))
        .filter(journey::Column::Status.eq("ACTIVE"))
        .filter(journey::Column::Trigger.is_in(["TIER_UP", "TIER_DOWN"]))
        .count(conn)
        .await?;
    let journeys = if tier_journeys > 0 {
        vec![EventType::MemberTierChanged]
    } else {
        Vec::new()
    };
    let subs = Arc::new(Subscriptions {
        endpoints: rows
            .into_iter()
            .map(|(id, types)| (id, parse_types(&types)))
            .collect(),
        journeys,
    });
    CACHE.insert(shop_id, subs.clone());
    Ok(subs)
}

/// Forgets the shop's cached subscriptions (its endpoints or journeys changed).
pub fn forget(shop_id: Uuid) {
    CACHE.invalidate(&shop_id);
}

/// Whether the shop has a subscriber to any of `kinds`.
pub async fn wants<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    kinds: &[EventType],
) -> Result<bool> {
    Ok(of(conn, shop_id).await?.wants_any(kinds))
}
