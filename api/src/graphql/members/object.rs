//! The member as GraphQL shows it: profile, tier, points, vouchers, ledger and orders.
use crate::auth::{RoleGuard, domain};
use crate::error::Gql;
use crate::graphql::checkout::OrderLineInput;
use crate::graphql::connection::decode;
use crate::graphql::consent::MessagingOptOut;
use crate::graphql::cost;
use crate::graphql::enums::Gender;
use crate::graphql::ledger::{LedgerConnection, PointBalance};
use crate::graphql::order_history::{self, list::OrderConnection};
use crate::graphql::scalars::{Date, Dec, Int32};
use crate::graphql::tiers::Tier;
use crate::graphql::vouchers::{Voucher, VoucherConnection, VoucherStatus};
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::paging::page_size;
use loyalty_domain::program::Policy;
use loyalty_domain::vouchers::listing::VoucherCursor;
use loyalty_domain::{Ctx, checkout, ledger, members, tiers, vouchers};
use std::sync::Arc;
use uuid::Uuid;

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
    /// The messaging channels the member opted out of (`setMessagingConsent`, or an
    /// e-mail's unsubscribe link), by channel; campaigns skip them there with
    /// `OPTED_OUT`. Read for a whole page of members in one statement.
    async fn opt_outs(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MessagingOptOut>> {
        let found = ctx
            .data_unchecked::<Loaders>()
            .opt_outs()
            .load_one((self.0.shop_id, self.0.id))
            .await
            .map_err(unshare)
            .gql()?;
        Ok(found
            .iter()
            .flatten()
            .filter_map(MessagingOptOut::from_domain)
            .collect())
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
    pub(crate) async fn tier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Tier>> {
        let Some(tier_id) = self.0.tier_id else {
            return Ok(None);
        };
        let pick = |list: &[tiers::Tier]| list.iter().find(|t| t.id == tier_id).cloned();
        let tier = policy(ctx, self.0.shop_id)
            .await?
            .and_then(|p| pick(&p.tiers));
        Ok(tier.map(|tier| Tier {
            shop_id: self.0.shop_id,
            tier,
        }))
    }
    /// Paid spend counted toward the tier in the current cycle, VND.
    async fn ranking_spend(&self) -> Dec {
        self.0.ranking_spend.into()
    }
    /// Ranking points of the current cycle: `rankingSpend` converted at the program's
    /// `spendPerRankingPoint` (rounded down), the number the tier thresholds'
    /// `minRankingPoints` are compared with. The tier is the one reached by this cycle's
    /// points or the last cycle's, whichever is more. A whole number, as a Decimal: at
    /// the default 1 VND per point a cycle's spend passes the 32 bits of an Int.
    async fn ranking_points(&self, ctx: &Context<'_>) -> async_graphql::Result<Dec> {
        Ok(policy(ctx, self.0.shop_id)
            .await?
            .map_or(0, |p| p.program.ranking_points(self.0.ranking_spend))
            .into())
    }
    async fn registered_at(&self) -> Option<DateTime<Utc>> {
        self.0.registered_at
    }
    /// Where the customer came from: the opening-data file or a sales channel; null
    /// when unknown (stored before sources were kept, with neither opening data nor an
    /// order).
    async fn source(&self) -> Option<crate::graphql::enums::CustomerSource> {
        self.0.source.map(|s| s.kind().into())
    }
    /// The sales channel that first sent the customer, for a channel's customer.
    async fn source_channel(&self) -> Option<crate::graphql::enums::Channel> {
        self.0.source.and_then(|s| s.channel()).map(Into::into)
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
    pub(crate) async fn points(&self, ctx: &Context<'_>) -> async_graphql::Result<PointBalance> {
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
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    pub(crate) async fn vouchers(
        &self,
        ctx: &Context<'_>,
        status: Option<VoucherStatus>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<VoucherConnection> {
        let limit = page_size(first).gql()?;
        let after = decode::<VoucherCursor>(after.as_deref())?;
        let status = status.map(Into::into);
        let shop_id = self.0.shop_id;
        if after.is_none() {
            // First pages batch across the members of a list.
            let page = ctx
                .data_unchecked::<Loaders>()
                .voucher_pages()
                .load_one((shop_id, self.0.id, status, limit))
                .await
                .map_err(unshare)
                .gql()?
                .map(|p| (*p).clone())
                .unwrap_or(loyalty_domain::paging::Page {
                    items: vec![],
                    has_next: false,
                });
            return Ok(VoucherConnection::from_page(shop_id, page));
        }
        let d = domain(ctx);
        let page = vouchers::listing::page(
            &d.db,
            shop_id,
            self.0.id,
            status,
            d.clock.now(),
            after.as_ref(),
            limit,
        )
        .await
        .gql()?;
        Ok(VoucherConnection::from_page(shop_id, page))
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
    /// The audited changes that touched this member, newest first (see `auditLog`).
    /// One statement per member: a list of members asking for it pays for each.
    ///
    /// Requires: ADMIN.
    #[graphql(
        guard = "RoleGuard(Role::Admin)",
        complexity = "cost::PER_ITEM_QUERY.saturating_add(cost::paged(first, child_complexity))"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<crate::graphql::audit::AuditEntryConnection> {
        let _turn = cost::turn(ctx).await;
        let filter = loyalty_domain::audit::AuditFilter {
            target_id: Some(self.0.id.to_string()),
            ..Default::default()
        };
        crate::graphql::audit::page(ctx, self.0.shop_id, filter, first, after).await
    }
    /// Ledger entries, newest first.
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    pub(crate) async fn ledger(
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
    /// Orders, newest first (by placement time).
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    pub(crate) async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<OrderConnection> {
        order_history::member_orders(ctx, &self.0, first, after).await
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

/// The shop's policy: a fresh cached one at once, otherwise through the loader (one
/// load for a whole page) when the cache must be read again.
pub(crate) async fn policy(
    ctx: &Context<'_>,
    shop_id: Uuid,
) -> async_graphql::Result<Option<Arc<Policy>>> {
    if let Some(policy) = ctx.data_unchecked::<Ctx>().policies.fresh(shop_id) {
        return Ok(Some(policy));
    }
    ctx.data_unchecked::<Loaders>()
        .policies()
        .load_one(shop_id)
        .await
        .map_err(unshare)
        .gql()
}
