//! Each replica's cache of the shops' active automatic offers, built into pricing rules,
//! so that a checkout does not read and build them every time.
//!
//! Kept like the policy cache (`program::policy_cache`), and checked against the same
//! version: every change of an offer raises the shop's program version in its own
//! transaction (`offers::service`).
//! - [`AutomaticOffers::recent`], for quotes: offers loaded within the freshness window
//!   are used as they are. The replica that changed an offer forgets the shop's entry
//!   when the change commits, so a quote there never prices with an offer archived
//!   before it started; other replicas see the change within the window.
//! - [`AutomaticOffers::at_version`], for orders, inside their transaction: the cached
//!   offers only if loaded at the program version the order has just read, else read
//!   again. An order never prices with offers older than the database's.
use super::limits::OfferLimits;
use super::reach::{Delivery, Reach};
use super::{Offer, OfferStatus, default_rules};
use crate::{DomainError, Result};
use loyalty_entities::{offer, program};
use moka::sync::Cache;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Shops kept at most; a replica serving more reloads the least used.
const MAX_SHOPS: u64 = 10_000;

/// An active automatic offer, ready to price.
#[derive(Debug)]
pub struct LiveOffer {
    /// Its id.
    pub id: Uuid,
    /// Its name, shown as the discount's label.
    pub name: String,
    /// Its stacking (the delivery is AUTOMATIC).
    pub reach: Reach,
    /// Its limits.
    pub limits: OfferLimits,
    /// Its pricing rules.
    pub offer: Arc<loyalty_rules::Offer>,
}

/// A shop's active automatic offers, shared by the checkouts that use them.
pub type ShopOffers = Arc<Vec<LiveOffer>>;

#[derive(Clone)]
struct Cached {
    version: i64,
    offers: ShopOffers,
    loaded: Instant,
}

/// Active automatic offers by shop.
pub struct AutomaticOffers {
    entries: Cache<Uuid, Cached>,
    fresh_for: Duration,
}

impl std::fmt::Debug for AutomaticOffers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutomaticOffers")
            .field("shops", &self.entries.entry_count())
            .field("fresh_for", &self.fresh_for)
            .finish()
    }
}

impl AutomaticOffers {
    /// A cache whose reads trust an entry for `fresh_for` after loading it.
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            entries: Cache::new(MAX_SHOPS),
            fresh_for,
        }
    }

    /// The shop's automatic offers for a quote: cached if loaded within the window.
    pub async fn recent<C: ConnectionTrait>(&self, conn: &C, shop_id: Uuid) -> Result<ShopOffers> {
        if let Some(c) = self
            .entries
            .get(&shop_id)
            .filter(|c| c.loaded.elapsed() < self.fresh_for)
        {
            return Ok(c.offers);
        }
        // The version first: offers changed after it was read are then cached under the
        // older version, which an order's check reloads, never the other way round.
        let version: Option<i64> = program::Entity::find()
            .select_only()
            .column(program::Column::Version)
            .filter(program::Column::ShopId.eq(shop_id))
            .into_tuple()
            .one(conn)
            .await?;
        let offers = Arc::new(load(conn, shop_id).await?);
        self.keep(shop_id, version.unwrap_or(0), &offers);
        Ok(offers)
    }

    /// The shop's automatic offers for an order that has just read the program at
    /// `version` in its transaction: cached if loaded at that version, else read now.
    pub async fn at_version<C: ConnectionTrait>(
        &self,
        conn: &C,
        shop_id: Uuid,
        version: i64,
    ) -> Result<ShopOffers> {
        if let Some(offers) = self.cached_at(shop_id, version) {
            return Ok(offers);
        }
        let offers = Arc::new(load(conn, shop_id).await?);
        self.keep(shop_id, version, &offers);
        Ok(offers)
    }

    /// The cached offers if loaded at `version`, without reading anything (the order
    /// batches, which read the version themselves); `None` otherwise.
    pub fn cached_at(&self, shop_id: Uuid, version: i64) -> Option<ShopOffers> {
        let c = self.entries.get(&shop_id)?;
        if c.version != version {
            return None;
        }
        self.entries.insert(
            shop_id,
            Cached {
                loaded: Instant::now(),
                ..c.clone()
            },
        );
        Some(c.offers)
    }

    /// Drops the shop's entry, after a change of one of its offers has committed.
    pub fn forget(&self, shop_id: Uuid) {
        self.entries.invalidate(&shop_id);
    }

    fn keep(&self, shop_id: Uuid, version: i64, offers: &ShopOffers) {
        // Of two loads racing, the newer version stays.
        if self
            .entries
            .get(&shop_id)
            .is_some_and(|c| c.version > version)
        {
            return;
        }
        self.entries.insert(
            shop_id,
            Cached {
                version,
                offers: Arc::clone(offers),
                loaded: Instant::now(),
            },
        );
    }
}

/// The shop's active automatic offers, built, in one statement.
async fn load<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Vec<LiveOffer>> {
    let registry = default_rules();
    offer::Entity::find()
        .filter(offer::Column::ShopId.eq(shop_id))
        .filter(offer::Column::Delivery.eq(Delivery::Automatic))
        .filter(offer::Column::Status.eq(OfferStatus::Active))
        .order_by_asc(offer::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| {
            let o = Offer::from_row(row)?;
            let built = registry
                .build(&o.config)
                .map_err(|e| DomainError::Internal(format!("stored offer {}: {e}", o.id)))?;
            Ok(LiveOffer {
                id: o.id,
                name: o.name,
                reach: o.reach,
                limits: o.limits,
                offer: Arc::new(built),
            })
        })
        .collect()
}
