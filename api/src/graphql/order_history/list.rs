//! Pages of orders: the connection, the shop's filter, and the batches that load what a
//! page's orders show (discounts, refunds, customers) for the whole page at once.
use super::object::Order;
use crate::error::Gql;
use crate::graphql::connection::{PageInfo, edges, first_page};
use crate::graphql::enums::Channel;
use crate::graphql::members::filter::DateTimeRange;
use crate::loaders::{Loaders, OrderPage, unshare};
use async_graphql::{Context, ID, InputObject, Lookahead, Object, SimpleObject};
use loyalty_domain::ids::parse_id;
use loyalty_domain::orders::history;
use loyalty_domain::{DomainError, members};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Which of the shop's orders to list; given criteria combine (AND).
#[derive(InputObject, Default)]
pub struct OrderFilter {
    /// Sold on this channel.
    channel: Option<Channel>,
    /// Placed in this range (`from` inclusive, `to` exclusive); `from` after `to` is
    /// refused.
    placed_within: Option<DateTimeRange>,
    /// Of this member (an id the shop does not have lists nothing).
    member_id: Option<ID>,
}

impl OrderFilter {
    /// The domain filter, checked.
    pub fn into_domain(self) -> Result<history::OrderFilter, DomainError> {
        let filter = history::OrderFilter {
            channel: self.channel.map(Into::into),
            placed_within: self.placed_within.map(|r| members::TimeRange {
                from: r.from,
                to: r.to,
            }),
            member_id: self
                .member_id
                .map(|id| parse_id("memberId", &id))
                .transpose()?,
        };
        filter.validate()?;
        Ok(filter)
    }
}

/// An edge of [`OrderConnection`].
#[derive(SimpleObject)]
pub struct OrderEdge {
    cursor: String,
    node: Order,
}

/// A page of orders (see [`OrderConnection`]'s GraphQL description).
pub struct OrderConnection {
    shop_id: Uuid,
    edges: Vec<OrderEdge>,
    page_info: PageInfo,
}

impl OrderConnection {
    /// A page of the shop's orders as a connection; `member` is the customer of every
    /// order on it, when the page is one member's.
    pub fn from_page(shop_id: Uuid, page: OrderPage, member: Option<&members::Member>) -> Self {
        let (edges, page_info) = edges(page, |cursor, order| OrderEdge {
            cursor,
            node: Order {
                shop_id,
                order,
                member: member.cloned(),
            },
        });
        Self {
            shop_id,
            edges,
            page_info,
        }
    }
}

/// A page of orders, newest first (by placement time, then id).
#[Object]
impl OrderConnection {
    async fn edges(&self, ctx: &Context<'_>) -> async_graphql::Result<&[OrderEdge]> {
        let orders: Vec<Uuid> = self.edges.iter().map(|e| e.node.order.id).collect();
        let customers: Vec<Uuid> = self
            .edges
            .iter()
            .filter(|e| e.node.member.is_none())
            .map(|e| e.node.order.member_id)
            .collect();
        let node = ctx.look_ahead().field("node");
        prime_details(ctx, self.shop_id, &orders, &customers, &node).await?;
        Ok(&self.edges)
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
}

/// Loads, one statement per kind for all of `orders`, what `node` (an `Order`
/// selection) asks for: discounts, refunds, and the `customers` the orders do not carry.
/// Their per-order loads then hit the request's cache, so the statements do not depend
/// on the number of orders (loads already cached run none).
pub async fn prime_details(
    ctx: &Context<'_>,
    shop_id: Uuid,
    orders: &[Uuid],
    customers: &[Uuid],
    node: &Lookahead<'_>,
) -> async_graphql::Result<()> {
    let loaders = ctx.data_unchecked::<Loaders>();
    let keys = || orders.iter().map(|o| (shop_id, *o));
    if node.field("discounts").exists() {
        loaders
            .order_discounts()
            .load_many(keys())
            .await
            .map_err(unshare)
            .gql()?;
    }
    if node.field("refunds").exists() {
        loaders
            .order_refunds()
            .load_many(keys())
            .await
            .map_err(unshare)
            .gql()?;
    }
    if node.field("member").exists() && !customers.is_empty() {
        let distinct: BTreeSet<Uuid> = customers.iter().copied().collect();
        loaders
            .members()
            .load_many(distinct.into_iter().map(|m| (shop_id, m)))
            .await
            .map_err(unshare)
            .gql()?;
    }
    Ok(())
}

/// For a page of members whose selection (`member`, a `Member` selection) asks for
/// `orders`: loads every member's first order page in one statement per page size, and
/// then what those orders show, for all of them at once.
pub async fn prime_member_orders(
    ctx: &Context<'_>,
    shop_id: Uuid,
    members: &[Uuid],
    member: &Lookahead<'_>,
) -> async_graphql::Result<()> {
    let loaders = ctx.data_unchecked::<Loaders>();
    for field in member.field("orders").selection_fields() {
        let Some(n) = first_page(&field)? else {
            continue;
        };
        let pages = loaders
            .member_orders()
            .load_many(members.iter().map(|m| (shop_id, *m, n)))
            .await
            .map_err(unshare)
            .gql()?;
        let orders: Vec<Uuid> = pages
            .values()
            .flat_map(|p| p.items.iter().map(|(_, o)| o.id))
            .collect();
        let node = Lookahead::from(field).field("edges").field("node");
        prime_details(ctx, shop_id, &orders, &[], &node).await?;
    }
    Ok(())
}
