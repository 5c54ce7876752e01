//! Each replica's cache of shops' policies (time zone, program, tiers), so that a quote
//! or an order does not re-read three tables that change a few times a year.
//!
//! Two ways to use it, by what a stale policy would cost:
//! - [`PolicyCache::recent`], for reads (quotes, `Member.tier`): a policy loaded within
//!   the freshness window is used as it is. The replica that changed a shop's program
//!   or tiers forgets it at once; other replicas see the change within the window.
//! - [`PolicyCache::current`], for writes, inside their transaction: re-reads the
//!   program row alone and uses the cached policy only if the row's version is the one
//!   it was loaded at. Every change of the program or the tiers raises that version in
//!   its own transaction (`program::load_for_update`), so a write never prices, earns
//!   or ranks with a policy older than the database's.
//!
//! Transactions that change the program or tiers must not go through the cache: their
//! uncommitted version would be cached. They use `Policy::load`.
use super::configure::load_versioned;
use super::policy::Policy;
use crate::Result;
use moka::sync::Cache;
use sea_orm::ConnectionTrait;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Shops kept at most; a replica serving more shops reloads the least used.
const MAX_SHOPS: u64 = 10_000;

#[derive(Clone)]
struct Cached {
    policy: Arc<Policy>,
    loaded: Instant,
}

/// Policies by shop.
pub struct PolicyCache {
    entries: Cache<Uuid, Cached>,
    fresh_for: Duration,
}

impl std::fmt::Debug for PolicyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyCache")
            .field("shops", &self.entries.entry_count())
            .field("fresh_for", &self.fresh_for)
            .finish()
    }
}

impl PolicyCache {
    /// A cache whose reads trust a policy for `fresh_for` after loading it.
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            entries: Cache::new(MAX_SHOPS),
            fresh_for,
        }
    }

    /// The shop's policy for a read: cached if loaded within the freshness window.
    pub async fn recent<C: ConnectionTrait>(&self, conn: &C, shop_id: Uuid) -> Result<Arc<Policy>> {
        if let Some(policy) = self.fresh(shop_id) {
            return Ok(policy);
        }
        let policy = Arc::new(Policy::load(conn, shop_id).await?);
        self.keep(shop_id, &policy);
        Ok(policy)
    }

    /// The shop's policy if one was loaded within the freshness window, without waiting
    /// for anything: what [`Self::recent`] returns without reading the database.
    pub fn fresh(&self, shop_id: Uuid) -> Option<Arc<Policy>> {
        self.entries
            .get(&shop_id)
            .filter(|c| c.loaded.elapsed() < self.fresh_for)
            .map(|c| c.policy)
    }

    /// The shop's policy for a write, as of the database now: one statement when the
    /// cached policy is still the stored version, three when it is not.
    pub async fn current<C: ConnectionTrait>(
        &self,
        conn: &C,
        shop_id: Uuid,
    ) -> Result<Arc<Policy>> {
        let (program, version) = load_versioned(conn, shop_id).await?;
        // Just checked against the database: as fresh for reads as a new load.
        if let Some(policy) = self.at_version(shop_id, version) {
            return Ok(policy);
        }
        let policy = Arc::new(Policy::load_with(conn, program, version).await?);
        self.keep(shop_id, &policy);
        Ok(policy)
    }

    /// The cached policy if it is at `version`, a version the caller has just read from
    /// the database (renewing it for reads); `None` when the cache holds another or none.
    pub fn at_version(&self, shop_id: Uuid, version: i64) -> Option<Arc<Policy>> {
        let c = self.entries.get(&shop_id)?;
        if c.policy.version != version {
            return None;
        }
        self.entries.insert(
            shop_id,
            Cached {
                policy: Arc::clone(&c.policy),
                loaded: Instant::now(),
            },
        );
        Some(c.policy)
    }

    /// Drops the shop's policy, after a change of its program or tiers has committed.
    pub fn forget(&self, shop_id: Uuid) {
        self.entries.invalidate(&shop_id);
    }

    fn keep(&self, shop_id: Uuid, policy: &Arc<Policy>) {
        // Of two loads racing, the newer version stays.
        if self
            .entries
            .get(&shop_id)
            .is_some_and(|c| c.policy.version > policy.version)
        {
            return;
        }
        self.entries.insert(
            shop_id,
            Cached {
                policy: Arc::clone(policy),
                loaded: Instant::now(),
            },
        );
    }
}
