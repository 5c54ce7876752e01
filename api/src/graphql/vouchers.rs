//! Vouchers: what one is, its state, a member's pages of them, and finding one by the
//! code a customer shows at the till.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::{Code, Gql};
use crate::graphql::connection::{PageInfo, edges, first_page};
use crate::graphql::members::object::Member;
use crate::graphql::offers::Offer;
use crate::graphql::order_history::object::Order;
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, Enum, ID, Lookahead, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::orders::history::StoredOrder;
use loyalty_domain::paging::Page;
use loyalty_domain::vouchers::{self, listing::VoucherCursor, lookup};
use uuid::Uuid;

/// A voucher's state now.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "loyalty_domain::vouchers::VoucherStatus")]
pub enum VoucherStatus {
    /// Neither used nor expired. Its offer may have been archived since, which checkout
    /// refuses: `Member.usableVouchers(lines)` tells for a cart.
    Usable,
    /// Used on an order.
    Used,
    /// Past its expiry, unused.
    Expired,
}

/// A voucher issued from an offer.
pub struct Voucher {
    pub(crate) shop_id: Uuid,
    pub(crate) voucher: vouchers::Voucher,
}

#[Object]
impl Voucher {
    async fn code(&self) -> &str {
        &self.voucher.code
    }
    async fn offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Offer> {
        let offer = ctx
            .data_unchecked::<Loaders>()
            .offers()
            .load_one((self.shop_id, self.voucher.offer_id))
            .await
            .map_err(unshare)
            .gql()?
            .ok_or_else(|| Code::Internal.error("voucher without offer"))?;
        Ok(Offer {
            shop_id: self.shop_id,
            offer,
        })
    }
    /// The member it was issued to; null for a bearer voucher.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        let Some(member_id) = self.voucher.member_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .members()
            .load_one((self.shop_id, member_id))
            .await
            .map_err(unshare)
            .gql()?
            .map(Member))
    }
    async fn issued_at(&self) -> DateTime<Utc> {
        self.voucher.issued_at
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.voucher.expires_at
    }
    async fn used_at(&self) -> Option<DateTime<Utc>> {
        self.voucher.used_at
    }
    async fn status(&self, ctx: &Context<'_>) -> VoucherStatus {
        self.voucher.status(domain(ctx).clock.now()).into()
    }
    /// The order that used it.
    async fn order_id(&self) -> Option<ID> {
        self.voucher.order_id.map(|id| ID(id.to_string()))
    }
    /// The sales channel's id of the order that used it.
    async fn order_external_id(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(self.used_by(ctx).await?.map(|o| o.external_id))
    }
    /// The order that used it, with its lines, discounts and refunds.
    async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
        Ok(self.used_by(ctx).await?.map(|order| Order {
            shop_id: self.shop_id,
            order,
            member: None,
        }))
    }
}

impl Voucher {
    /// The order that used the voucher, through the request's order loader.
    async fn used_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<StoredOrder>> {
        let Some(order_id) = self.voucher.order_id else {
            return Ok(None);
        };
        ctx.data_unchecked::<Loaders>()
            .orders()
            .load_one((self.shop_id, order_id))
            .await
            .map_err(unshare)
            .gql()
    }
}

/// An edge of [`VoucherConnection`].
#[derive(SimpleObject)]
pub struct VoucherEdge {
    cursor: String,
    node: Voucher,
}

/// A page of a member's vouchers, newest first.
#[derive(SimpleObject)]
pub struct VoucherConnection {
    edges: Vec<VoucherEdge>,
    page_info: PageInfo,
}

impl VoucherConnection {
    /// A page of the shop's vouchers as a connection.
    pub fn from_page(shop_id: Uuid, page: Page<VoucherCursor, vouchers::Voucher>) -> Self {
        let (edges, page_info) = edges(page, |cursor, voucher| VoucherEdge {
            cursor,
            node: Voucher { shop_id, voucher },
        });
        Self { edges, page_info }
    }
}

/// Voucher queries.
#[derive(Default)]
pub struct VoucherQuery;

#[Object]
impl VoucherQuery {
    /// The shop's voucher of a code, matched as checkout matches codes (case, spaces and
    /// dashes do not matter); null when the shop has none.
    ///
    /// Requires: CHANNEL or ADMIN.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn voucher(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<Option<Voucher>> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(lookup::by_code(&domain(ctx).db, shop_id, &code)
            .await
            .gql()?
            .map(|voucher| Voucher { shop_id, voucher }))
    }
}

/// Loads, for a page of `members` (their `member` selection), the first voucher pages
/// and those vouchers' offers in one batch each, so that each member's `vouchers`
/// resolves from the request's cache.
pub async fn prime_member_vouchers(
    ctx: &Context<'_>,
    shop_id: Uuid,
    members: &[Uuid],
    member: &Lookahead<'_>,
) -> async_graphql::Result<()> {
    let loaders = ctx.data_unchecked::<Loaders>();
    for field in member.field("vouchers").selection_fields() {
        // The status asked for, if readable: an unreadable one is the resolver's to
        // refuse, and is not primed.
        let args = field.arguments()?;
        let status = match args.iter().find(|(n, _)| n.as_str() == "status") {
            None => Some(None),
            Some((_, v)) => {
                <Option<VoucherStatus> as async_graphql::InputType>::parse(Some(v.clone()))
                    .ok()
                    .map(|s| s.map(Into::into))
            }
        };
        let (Some(n), Some(status)) = (first_page(&field)?, status) else {
            continue;
        };
        let pages = loaders
            .voucher_pages()
            .load_many(members.iter().map(|m| (shop_id, *m, status, n)))
            .await
            .map_err(unshare)
            .gql()?;
        let node = Lookahead::from(field).field("edges").field("node");
        if node.field("offer").exists() {
            let offers: Vec<(Uuid, Uuid)> = pages
                .values()
                .flat_map(|p| p.items.iter().map(|(_, v)| (shop_id, v.offer_id)))
                .collect();
            loaders
                .offers()
                .load_many(offers)
                .await
                .map_err(unshare)
                .gql()?;
        }
    }
    Ok(())
}
