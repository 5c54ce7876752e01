//! Order history: one order by the channel's id, the shop's orders by filter, and (see
//! `Member.orders`) a member's, each newest first a page at a time. Orders are written
//! by `recordOrder` and `refundOrder` (`super::orders`).
pub mod list;
pub mod object;

use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::connection::decode;
use crate::graphql::cost;
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, Object};
use list::{OrderConnection, OrderFilter};
use loyalty_domain::access::Role;
use loyalty_domain::members;
use loyalty_domain::orders::history::{self, OrderCursor};
use loyalty_domain::paging::{Page, page_size};
use object::Order;

pub use list::prime_member_orders;

/// A page of `member`'s orders: first pages through the loader, which batches them
/// across a page of members; later pages on their own.
pub async fn member_orders(
    ctx: &Context<'_>,
    member: &members::Member,
    first: Option<i64>,
    after: Option<String>,
) -> async_graphql::Result<OrderConnection> {
    let limit = page_size(first).gql()?;
    let after = decode::<OrderCursor>(after.as_deref())?;
    let page = match after {
        None => ctx
            .data_unchecked::<Loaders>()
            .member_orders()
            .load_one((member.shop_id, member.id, limit))
            .await
            .map_err(unshare)
            .gql()?
            .map(|p| (*p).clone())
            .unwrap_or(Page {
                items: vec![],
                has_next: false,
            }),
        Some(cursor) => {
            let filter = history::OrderFilter {
                member_id: Some(member.id),
                ..Default::default()
            };
            history::page(
                &domain(ctx).db,
                member.shop_id,
                &filter,
                Some(&cursor),
                limit,
            )
            .await
            .gql()?
        }
    };
    Ok(OrderConnection::from_page(
        member.shop_id,
        page,
        Some(member),
    ))
}

/// Order history queries.
#[derive(Default)]
pub struct OrderHistoryQuery;

#[Object]
impl OrderHistoryQuery {
    /// One order of the caller's shop by the channel's order id (1 to 100 characters);
    /// null if the shop has none.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn order(
        &self,
        ctx: &Context<'_>,
        external_id: String,
    ) -> async_graphql::Result<Option<Order>> {
        let shop_id = principal(ctx)?.shop_id;
        let found = history::by_external_id(&domain(ctx).db, shop_id, &external_id)
            .await
            .gql()?;
        Ok(found.map(|order| Order {
            shop_id,
            order,
            member: None,
        }))
    }

    /// The caller's shop's orders matching `filter`, newest first (by placement time), a
    /// page at a time.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "cost::paged(first, child_complexity)"
    )]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrderFilter>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<OrderConnection> {
        let shop_id = principal(ctx)?.shop_id;
        let filter = filter.unwrap_or_default().into_domain().gql()?;
        let limit = page_size(first).gql()?;
        let after = decode::<OrderCursor>(after.as_deref())?;
        let page = history::page(&domain(ctx).db, shop_id, &filter, after.as_ref(), limit)
            .await
            .gql()?;
        Ok(OrderConnection::from_page(shop_id, page, None))
    }
}
