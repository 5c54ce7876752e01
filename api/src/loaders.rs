//! DataLoaders for nested fields: each batches every key a response needs into one query,
//! so a page of members costs the same number of statements whatever its size. They are
//! created per request, so their caches never outlive it.
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use loyalty_domain::ledger::{self, PointBalance};
use loyalty_domain::{Ctx, DomainError, offers, tiers};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// A shop's tiers by rank, for `Member.tier`, from the replica's policy cache.
pub struct TierListLoader(pub Ctx);

impl Loader<Uuid> for TierListLoader {
    type Value = Arc<Vec<tiers::Tier>>;
    type Error = Arc<DomainError>;

    async fn load(&self, shops: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for shop in shops {
            let policy = self
                .0
                .policies
                .recent(&self.0.db, *shop)
                .await
                .map_err(Arc::new)?;
            out.insert(*shop, Arc::new(policy.tiers.clone()));
        }
        Ok(out)
    }
}

/// Member counts per tier of a shop, for `Tier.memberCount`.
pub struct TierCountLoader(pub Ctx);

impl Loader<Uuid> for TierCountLoader {
    type Value = Arc<HashMap<Uuid, i64>>;
    type Error = Arc<DomainError>;

    async fn load(&self, shops: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for shop in shops {
            let counts = tiers::member_counts(&self.0.db, *shop)
                .await
                .map_err(Arc::new)?;
            out.insert(*shop, Arc::new(counts));
        }
        Ok(out)
    }
}

/// Point balances, for `Member.points`: one pair of statements per shop in the batch.
pub struct BalanceLoader(pub Ctx);

impl Loader<(Uuid, Uuid)> for BalanceLoader {
    type Value = PointBalance;
    type Error = Arc<DomainError>;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, Self::Error> {
        let now = self.0.clock.now();
        let mut by_shop: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (shop, member) in keys {
            by_shop.entry(*shop).or_default().push(*member);
        }
        let mut out = HashMap::new();
        for (shop, members) in by_shop {
            let balances = ledger::balances(&self.0.db, shop, &members, now)
                .await
                .map_err(Arc::new)?;
            out.extend(balances.into_iter().map(|(m, b)| ((shop, m), b)));
        }
        Ok(out)
    }
}

/// Offers by id, for `Voucher.offer`.
pub struct OfferLoader(pub Ctx);

impl Loader<(Uuid, Uuid)> for OfferLoader {
    type Value = offers::Offer;
    type Error = Arc<DomainError>;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for (shop, id) in keys {
            if let Some(o) = offers::get(&self.0.db, *shop, *id)
                .await
                .map_err(Arc::new)?
            {
                out.insert((*shop, *id), o);
            }
        }
        Ok(out)
    }
}

/// First ledger pages (`ledger(first: n)` without `after`), for a page of members: one
/// statement per shop and page size.
pub struct LedgerLoader(pub Ctx);

/// A member's first ledger page.
pub type LedgerPage = loyalty_domain::paging::Page<ledger::LedgerCursor, ledger::LedgerEntry>;

impl Loader<(Uuid, Uuid, u64)> for LedgerLoader {
    type Value = Arc<LedgerPage>;
    type Error = Arc<DomainError>;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid, u64)],
    ) -> Result<HashMap<(Uuid, Uuid, u64), Self::Value>, Self::Error> {
        let mut groups: HashMap<(Uuid, u64), Vec<Uuid>> = HashMap::new();
        for (shop, member, n) in keys {
            groups.entry((*shop, *n)).or_default().push(*member);
        }
        let mut out = HashMap::new();
        for ((shop, n), members) in groups {
            let pages = ledger::newest_of_many(&self.0.db, shop, &members, n)
                .await
                .map_err(Arc::new)?;
            out.extend(pages.into_iter().map(|(m, p)| ((shop, m, n), Arc::new(p))));
        }
        Ok(out)
    }
}

/// The loaders of one request.
pub struct Loaders {
    /// See [`TierListLoader`].
    pub tier_lists: DataLoader<TierListLoader, HashMapCache>,
    /// See [`TierCountLoader`].
    pub tier_counts: DataLoader<TierCountLoader, HashMapCache>,
    /// See [`BalanceLoader`].
    pub balances: DataLoader<BalanceLoader, HashMapCache>,
    /// See [`OfferLoader`].
    pub offers: DataLoader<OfferLoader, HashMapCache>,
    /// See [`LedgerLoader`].
    pub ledgers: DataLoader<LedgerLoader, HashMapCache>,
}

/// A loader with a per-request cache: a key asked for twice (or primed by a list, see
/// `graphql::members::prime`) is loaded once.
fn loader<K, T>(inner: T) -> DataLoader<T, HashMapCache>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    T: Loader<K>,
{
    DataLoader::with_cache(inner, tokio::spawn, HashMapCache::default())
}

impl Loaders {
    /// Fresh loaders for one request.
    pub fn new(ctx: &Ctx) -> Self {
        Self {
            tier_lists: loader::<Uuid, _>(TierListLoader(ctx.clone())),
            tier_counts: loader::<Uuid, _>(TierCountLoader(ctx.clone())),
            balances: loader::<(Uuid, Uuid), _>(BalanceLoader(ctx.clone())),
            offers: loader::<(Uuid, Uuid), _>(OfferLoader(ctx.clone())),
            ledgers: loader::<(Uuid, Uuid, u64), _>(LedgerLoader(ctx.clone())),
        }
    }
}

/// Turns a loader error back into the domain error it carries.
pub fn unshare(err: Arc<DomainError>) -> DomainError {
    Arc::try_unwrap(err).unwrap_or_else(|shared| DomainError::Internal(shared.to_string()))
}
