//! DataLoaders for nested fields: each batches every key a response needs into one query,
//! so a page of members costs the same number of statements whatever its size. They are
//! created per request, so their caches never outlive it.
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use loyalty_domain::ledger::{self, LiveBalance, PointBalance};
use loyalty_domain::messaging::consent::{self, OptOut};
use loyalty_domain::orders::history::{self, OrderDiscount, OrderRefund};
use loyalty_domain::program::Policy;
use loyalty_domain::vouchers::VoucherStatus;
use loyalty_domain::vouchers::listing::{self, VoucherCursor};
use loyalty_domain::{Ctx, DomainError, members, offers, tiers, vouchers};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use uuid::Uuid;

/// A shop's policy (program and tiers by rank), for `Member.tier` and
/// `Member.rankingPoints`, from the replica's policy cache.
pub struct PolicyLoader(pub Ctx);

impl Loader<Uuid> for PolicyLoader {
    type Value = Arc<Policy>;
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
            out.insert(*shop, policy);
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

/// A loader of values by (shop, id) keys: `$load` runs once per shop in the batch with
/// every id of that shop, and answers by id.
macro_rules! per_shop_loader {
    ($(#[$doc:meta])* $name:ident => $value:ty, |$ctx:ident, $shop:ident, $ids:ident| $load:expr) => {
        $(#[$doc])*
        pub struct $name(pub Ctx);

        impl Loader<(Uuid, Uuid)> for $name {
            type Value = $value;
            type Error = Arc<DomainError>;

            async fn load(
                &self,
                keys: &[(Uuid, Uuid)],
            ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, Self::Error> {
                let $ctx = &self.0;
                per_shop(keys, |$shop, $ids| async move { $load.await }).await
            }
        }
    };
}

per_shop_loader!(
    /// Available and pending points, for `Member.points { available pending }`: one
    /// statement per shop in the batch, over the members' lots only.
    LiveBalanceLoader => LiveBalance,
    |ctx, shop, members| ledger::live_balances(&ctx.db, shop, &members, ctx.clock.now())
);

per_shop_loader!(
    /// Whole balances, for `Member.points { used expired }`: one statement per shop in the
    /// batch, which sums the members' ledger entries too.
    BalanceLoader => PointBalance,
    |ctx, shop, members| ledger::balances(&ctx.db, shop, &members, ctx.clock.now())
);

per_shop_loader!(
    /// Offers by id, for `Voucher.offer` and `Reward.offer`: one statement per shop in the
    /// batch.
    OfferLoader => offers::Offer,
    |ctx, shop, ids| offers::by_ids(&ctx.db, shop, &ids)
);

per_shop_loader!(
    /// Members by id, for `Voucher.member` and `Order.member` (on a page of the shop's
    /// orders): one statement per shop in the batch.
    MemberLoader => members::Member,
    |ctx, shop, ids| members::by_ids(&ctx.db, shop, &ids)
);

per_shop_loader!(
    /// Members' messaging opt-outs, for `Member.optOuts`: one statement per shop in the
    /// batch.
    OptOutLoader => Vec<OptOut>,
    |ctx, shop, ids| consent::of_members(&ctx.db, shop, &ids)
);

per_shop_loader!(
    /// Orders by id, for `Voucher.order`: one statement per shop in the batch.
    OrderLoader => history::StoredOrder,
    |ctx, shop, ids| history::by_ids(&ctx.db, shop, &ids)
);

/// Values of (shop, member) keys, loaded by `load` once per shop for all its members.
async fn per_shop<V, Fut>(
    keys: &[(Uuid, Uuid)],
    load: impl Fn(Uuid, Vec<Uuid>) -> Fut,
) -> Result<HashMap<(Uuid, Uuid), V>, Arc<DomainError>>
where
    Fut: Future<Output = loyalty_domain::Result<HashMap<Uuid, V>>>,
{
    let mut by_shop: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (shop, member) in keys {
        by_shop.entry(*shop).or_default().push(*member);
    }
    let mut out = HashMap::new();
    for (shop, members) in by_shop {
        let found = load(shop, members).await.map_err(Arc::new)?;
        out.extend(found.into_iter().map(|(m, v)| ((shop, m), v)));
    }
    Ok(out)
}

/// A member's first voucher page of one status (`vouchers(status, first)` without
/// `after`), keyed by shop, member, status and page size.
pub type VoucherPageKey = (Uuid, Uuid, Option<VoucherStatus>, u64);

/// A member's first voucher page.
pub type VoucherPage = loyalty_domain::paging::Page<VoucherCursor, vouchers::Voucher>;

/// First voucher pages for a page of members: one statement per shop, status and page
/// size. States are judged at the time of the batch's load.
pub struct VoucherPageLoader(pub Ctx);

impl Loader<VoucherPageKey> for VoucherPageLoader {
    type Value = Arc<VoucherPage>;
    type Error = Arc<DomainError>;

    async fn load(
        &self,
        keys: &[VoucherPageKey],
    ) -> Result<HashMap<VoucherPageKey, Self::Value>, Self::Error> {
        let now = self.0.clock.now();
        let mut groups: HashMap<(Uuid, Option<VoucherStatus>, u64), Vec<Uuid>> = HashMap::new();
        for (shop, member, status, n) in keys {
            groups
                .entry((*shop, *status, *n))
                .or_default()
                .push(*member);
        }
        let mut out = HashMap::new();
        for ((shop, status, n), members) in groups {
            let pages = listing::first_pages(&self.0.db, shop, &members, status, now, n)
                .await
                .map_err(Arc::new)?;
            out.extend(
                pages
                    .into_iter()
                    .map(|(m, p)| ((shop, m, status, n), Arc::new(p))),
            );
        }
        Ok(out)
    }
}

/// First pages of a list per member, for keys (shop, member, page size): one call of
/// `load` per shop and page size, each page shared behind an `Arc`.
async fn first_pages<P, Fut>(
    keys: &[(Uuid, Uuid, u64)],
    load: impl Fn(Uuid, Vec<Uuid>, u64) -> Fut,
) -> Result<HashMap<(Uuid, Uuid, u64), Arc<P>>, Arc<DomainError>>
where
    Fut: std::future::Future<Output = loyalty_domain::Result<HashMap<Uuid, P>>>,
{
    let mut groups: HashMap<(Uuid, u64), Vec<Uuid>> = HashMap::new();
    for (shop, member, n) in keys {
        groups.entry((*shop, *n)).or_default().push(*member);
    }
    let mut out = HashMap::new();
    for ((shop, n), members) in groups {
        let pages = load(shop, members, n).await.map_err(Arc::new)?;
        out.extend(pages.into_iter().map(|(m, p)| ((shop, m, n), Arc::new(p))));
    }
    Ok(out)
}

/// A loader of members' first pages by (shop, member, page size) keys: `$load` runs once
/// per shop and page size with every member of the batch, like [`first_pages`].
macro_rules! first_page_loader {
    ($(#[$doc:meta])* $name:ident => $page:ty, |$ctx:ident, $shop:ident, $members:ident, $n:ident| $load:expr) => {
        $(#[$doc])*
        pub struct $name(pub Ctx);

        impl Loader<(Uuid, Uuid, u64)> for $name {
            type Value = Arc<$page>;
            type Error = Arc<DomainError>;

            async fn load(
                &self,
                keys: &[(Uuid, Uuid, u64)],
            ) -> Result<HashMap<(Uuid, Uuid, u64), Self::Value>, Self::Error> {
                let $ctx = &self.0;
                first_pages(keys, |$shop, $members, $n| async move { $load.await }).await
            }
        }
    };
}

/// A member's first ledger page.
pub type LedgerPage = loyalty_domain::paging::Page<ledger::LedgerCursor, ledger::LedgerEntry>;

first_page_loader!(
    /// First ledger pages (`ledger(first: n)` without `after`), for a page of members: one
    /// statement per shop and page size.
    LedgerLoader => LedgerPage,
    |ctx, shop, members, n| ledger::newest_of_many(&ctx.db, shop, &members, n)
);

/// A member's first order page.
pub type OrderPage = loyalty_domain::paging::Page<history::OrderCursor, history::StoredOrder>;

first_page_loader!(
    /// First order pages (`orders(first: n)` without `after`), for a page of members: one
    /// statement per shop and page size, like [`LedgerLoader`].
    MemberOrdersLoader => OrderPage,
    |ctx, shop, members, n| history::newest_of_many(&ctx.db, shop, &members, n)
);

per_shop_loader!(
    /// The discounts of orders, by (shop, order id), for `Order.discounts`: one statement
    /// per shop in the batch. Every order asked for gets a list, so an order without
    /// discounts is cached too.
    OrderDiscountsLoader => Arc<Vec<OrderDiscount>>,
    |ctx, shop, orders| async move {
        let found = history::discounts_of(&ctx.db, shop, &orders).await?;
        Ok(found.into_iter().map(|(o, d)| (o, Arc::new(d))).collect())
    }
);

per_shop_loader!(
    /// The refunds of orders, by (shop, order id), for `Order.refunds`: one statement per
    /// shop in the batch, a list for every order asked for.
    OrderRefundsLoader => Arc<Vec<OrderRefund>>,
    |ctx, shop, orders| async move {
        let found = history::refunds_of(&ctx.db, shop, &orders).await?;
        Ok(found.into_iter().map(|(o, r)| (o, Arc::new(r))).collect())
    }
);

/// A loader with a per-request cache: a key asked for twice (or primed by a list, see
/// `graphql::members::queries::prime`) is loaded once.
type Cached<T> = DataLoader<T, HashMapCache>;

/// The loaders of one request, each made when the request first needs it: most
/// requests need one or none, and a loader costs a few allocations to make.
pub struct Loaders {
    ctx: Ctx,
    policies: OnceLock<Cached<PolicyLoader>>,
    tier_counts: OnceLock<Cached<TierCountLoader>>,
    live_balances: OnceLock<Cached<LiveBalanceLoader>>,
    balances: OnceLock<Cached<BalanceLoader>>,
    offers: OnceLock<Cached<OfferLoader>>,
    ledgers: OnceLock<Cached<LedgerLoader>>,
    member_orders: OnceLock<Cached<MemberOrdersLoader>>,
    order_discounts: OnceLock<Cached<OrderDiscountsLoader>>,
    order_refunds: OnceLock<Cached<OrderRefundsLoader>>,
    members: OnceLock<Cached<MemberLoader>>,
    opt_outs: OnceLock<Cached<OptOutLoader>>,
    orders: OnceLock<Cached<OrderLoader>>,
    voucher_pages: OnceLock<Cached<VoucherPageLoader>>,
}

fn loader<T>(cell: &OnceLock<Cached<T>>, make: impl FnOnce() -> T) -> &Cached<T> {
    cell.get_or_init(|| DataLoader::with_cache(make(), tokio::spawn, HashMapCache::default()))
}

impl Loaders {
    /// Loaders for one request (none made yet).
    pub fn new(ctx: &Ctx) -> Self {
        Self {
            ctx: ctx.clone(),
            policies: OnceLock::new(),
            tier_counts: OnceLock::new(),
            live_balances: OnceLock::new(),
            balances: OnceLock::new(),
            offers: OnceLock::new(),
            ledgers: OnceLock::new(),
            member_orders: OnceLock::new(),
            order_discounts: OnceLock::new(),
            order_refunds: OnceLock::new(),
            members: OnceLock::new(),
            opt_outs: OnceLock::new(),
            orders: OnceLock::new(),
            voucher_pages: OnceLock::new(),
        }
    }

    /// See [`OptOutLoader`].
    pub fn opt_outs(&self) -> &Cached<OptOutLoader> {
        loader(&self.opt_outs, || OptOutLoader(self.ctx.clone()))
    }

    /// See [`PolicyLoader`].
    pub fn policies(&self) -> &Cached<PolicyLoader> {
        loader(&self.policies, || PolicyLoader(self.ctx.clone()))
    }

    /// See [`TierCountLoader`].
    pub fn tier_counts(&self) -> &Cached<TierCountLoader> {
        loader(&self.tier_counts, || TierCountLoader(self.ctx.clone()))
    }

    /// See [`LiveBalanceLoader`].
    pub fn live_balances(&self) -> &Cached<LiveBalanceLoader> {
        loader(&self.live_balances, || LiveBalanceLoader(self.ctx.clone()))
    }

    /// See [`BalanceLoader`].
    pub fn balances(&self) -> &Cached<BalanceLoader> {
        loader(&self.balances, || BalanceLoader(self.ctx.clone()))
    }

    /// See [`OfferLoader`].
    pub fn offers(&self) -> &Cached<OfferLoader> {
        loader(&self.offers, || OfferLoader(self.ctx.clone()))
    }

    /// See [`LedgerLoader`].
    pub fn ledgers(&self) -> &Cached<LedgerLoader> {
        loader(&self.ledgers, || LedgerLoader(self.ctx.clone()))
    }

    /// See [`MemberOrdersLoader`].
    pub fn member_orders(&self) -> &Cached<MemberOrdersLoader> {
        loader(&self.member_orders, || MemberOrdersLoader(self.ctx.clone()))
    }

    /// See [`OrderDiscountsLoader`].
    pub fn order_discounts(&self) -> &Cached<OrderDiscountsLoader> {
        loader(&self.order_discounts, || {
            OrderDiscountsLoader(self.ctx.clone())
        })
    }

    /// See [`OrderRefundsLoader`].
    pub fn order_refunds(&self) -> &Cached<OrderRefundsLoader> {
        loader(&self.order_refunds, || OrderRefundsLoader(self.ctx.clone()))
    }

    /// See [`MemberLoader`].
    pub fn members(&self) -> &Cached<MemberLoader> {
        loader(&self.members, || MemberLoader(self.ctx.clone()))
    }

    /// See [`OrderLoader`].
    pub fn orders(&self) -> &Cached<OrderLoader> {
        loader(&self.orders, || OrderLoader(self.ctx.clone()))
    }

    /// See [`VoucherPageLoader`].
    pub fn voucher_pages(&self) -> &Cached<VoucherPageLoader> {
        loader(&self.voucher_pages, || VoucherPageLoader(self.ctx.clone()))
    }
}

/// Turns a loader error back into the domain error it carries.
pub fn unshare(err: Arc<DomainError>) -> DomainError {
    Arc::try_unwrap(err).unwrap_or_else(|shared| DomainError::Internal(shared.to_string()))
}
