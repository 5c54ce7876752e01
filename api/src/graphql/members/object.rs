//! The member as GraphQL shows it: profile, tier, points, vouchers and ledger.
use crate::auth::domain;
use crate::error::Gql;
use crate::graphql::checkout::OrderLineInput;
use crate::graphql::connection::decode;
use crate::graphql::cost;
use crate::graphql::enums::Gender;
use crate::graphql::ledger::{LedgerConnection, PointBalance};
use crate::graphql::offers::{Voucher, VoucherStatus};
use crate::graphql::scalars::{Date, Dec, Int32};
use crate::graphql::tiers::Tier;
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::paging::page_size;
use loyalty_domain::{Ctx, checkout, ledger, members, tiers, vouchers};

/// A customer of the shop; a registered member once `registeredAt` is set.
pub struct Member(pub members::Member);

#[Object]
impl Member {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The sales channel's id for the customer.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Vietnamese numbers in national form (0912345678), others in E.164.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn birthday(&self) -> Option<Date> {
        self.0.birthday.map(Date)
    }
    async fn gender(&self) -> Gender {
        self.0.gender.into()
    }
    async fn province(&self) -> Option<&str> {
        self.0.province.as_deref()
    }
    async fn district(&self) -> Option<&str> {
        self.0.district.as_deref()
    }
    /// The tier the customer's ranking spend reached; null until the program is active.
    /// In a MEMBERS_ONLY program its discount and multiplier apply once the customer is
    /// registered.
    async fn tier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Tier>> {
        let Some(tier_id) = self.0.tier_id else {
            return Ok(None);
        };
        // A fresh cached policy answers at once; the loader (one load for a whole page)
        // only when the cache must be read again.
        let shop_id = self.0.shop_id;
        let pick = |list: &[tiers::Tier]| list.iter().find(|t| t.id == tier_id).cloned();
        let tier = match ctx.data_unchecked::<Ctx>().policies.fresh(shop_id) {
            Some(policy) => pick(&policy.tiers),
            None => ctx
                .data_unchecked::<Loaders>()
                .tier_lists()
                .load_one(shop_id)
                .await
                .map_err(unshare)
                .gql()?
                .and_then(|l| pick(&l)),
        };
        Ok(tier.map(|tier| Tier {
            shop_id: self.0.shop_id,
            tier,
        }))
    }
    /// Paid spend counted toward the tier in the current cycle, VND.
    async fn ranking_spend(&self) -> Dec {
        self.0.ranking_spend.into()
    }
    async fn registered_at(&self) -> Option<DateTime<Utc>> {
        self.0.registered_at
    }
    async fn total_orders(&self) -> Int32 {
        self.0.total_orders.into()
    }
    async fn total_spent(&self) -> Dec {
        self.0.total_spent.into()
    }
    async fn last_purchase_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_purchase_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Point balances, as of now.
    async fn points(&self, ctx: &Context<'_>) -> async_graphql::Result<PointBalance> {
        let key = (self.0.shop_id, self.0.id);
        let loaders = ctx.data_unchecked::<Loaders>();
        let live = if wants_whole(&ctx.look_ahead()) {
            // The whole balance's one statement answers all four fields.
            loaders
                .balances()
                .load_one(key)
                .await
                .map_err(unshare)
                .gql()?
                .unwrap_or_default()
                .live()
        } else {
            loaders
                .live_balances()
                .load_one(key)
                .await
                .map_err(unshare)
                .gql()?
                .unwrap_or_default()
        };
        Ok(PointBalance { key, live })
    }
    /// The member's vouchers, newest first, optionally of one status.
    async fn vouchers(
        &self,
        ctx: &Context<'_>,
        status: Option<VoucherStatus>,
    ) -> async_graphql::Result<Vec<Voucher>> {
        let now = domain(ctx).clock.now();
        let want = status.map(|s| match s {
            VoucherStatus::Active => vouchers::VoucherStatus::Active,
            VoucherStatus::Used => vouchers::VoucherStatus::Used,
            VoucherStatus::Expired => vouchers::VoucherStatus::Expired,
        });
        Ok(vouchers::wallet(&domain(ctx).db, self.0.shop_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .filter(|v| want.is_none_or(|w| v.status(now) == w))
            .map(|voucher| Voucher {
                shop_id: self.0.shop_id,
                voucher,
            })
            .collect())
    }
    /// For a cart: which of the member's active vouchers would apply now, and why not.
    async fn usable_vouchers(
        &self,
        ctx: &Context<'_>,
        lines: Vec<OrderLineInput>,
    ) -> async_graphql::Result<Vec<VoucherCheck>> {
        let lines: Vec<checkout::OrderLine> = lines.into_iter().map(Into::into).collect();
        let checks = checkout::voucher_check::check(domain(ctx), self.0.shop_id, self.0.id, &lines)
            .await
            .gql()?;
        Ok(checks
            .into_iter()
            .map(|c| VoucherCheck {
                voucher: Voucher {
                    shop_id: self.0.shop_id,
                    voucher: c.voucher,
                },
                usable: c.discount.is_some(),
                discount: c.discount.map(Dec::from),
                reason: c.reason,
            })
            .collect())
    }
    /// Ledger entries, newest first.
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    async fn ledger(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<LedgerConnection> {
        let limit = page_size(first).gql()?;
        let after = decode::<ledger::LedgerCursor>(after.as_deref())?;
        if after.is_none() {
            // First pages batch across the members of a list.
            let page = ctx
                .data_unchecked::<Loaders>()
                .ledgers()
                .load_one((self.0.shop_id, self.0.id, limit))
                .await
                .map_err(unshare)
                .gql()?
                .map(|p| (*p).clone())
                .unwrap_or(loyalty_domain::paging::Page {
                    items: vec![],
                    has_next: false,
                });
            return Ok(LedgerConnection::from_page(page));
        }
        let page = ledger::entries(&domain(ctx).db, self.0.shop_id, self.0.id, after, limit)
            .await
            .gql()?;
        Ok(LedgerConnection::from_page(page))
    }
}

/// Whether one voucher would apply to a cart.
#[derive(SimpleObject)]
pub struct VoucherCheck {
    voucher: Voucher,
    usable: bool,
    /// What it would take off, alone on this cart.
    discount: Option<Dec>,
    /// Why not, in words a cashier can read.
    reason: Option<String>,
}

/// Whether a `points` selection asks for used or expired points: then the whole balance
/// is loaded, whose statement also gives available and pending, instead of the lots'
/// sums and then the whole balance.
pub(super) fn wants_whole(points: &async_graphql::Lookahead<'_>) -> bool {
    points.field("used").exists() || points.field("expired").exists()
}
