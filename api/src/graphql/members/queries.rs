//! Member queries: one member, and the paged list behind `members` and
//! `segment.members`, whose nested fields are loaded a page at a time.
use super::filter::{MemberFilter, MemberOrderBy};
use super::object::{Member, wants_whole};
use crate::auth::{RoleGuard, domain, principal};
use crate::error::{Code, Gql};
use crate::graphql::connection::{PageInfo, decode, edges, first_page};
use crate::graphql::cost;
use crate::graphql::enums::{CustomerSource, SavedFilter};
use crate::graphql::order_history;
use crate::graphql::scalars::Int32;
use crate::graphql::vouchers;
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::members;
use loyalty_domain::paging::page_size;
use loyalty_domain::shops::{self, Shop};

/// An edge of [`MemberConnection`].
#[derive(SimpleObject)]
pub struct MemberEdge {
    cursor: String,
    node: Member,
}

/// A page of members.
pub struct MemberConnection {
    edges: Vec<MemberEdge>,
    page_info: PageInfo,
    shop: Shop,
    now: DateTime<Utc>,
    filter: members::MemberFilter,
}

#[Object]
impl MemberConnection {
    async fn edges(&self, ctx: &Context<'_>) -> async_graphql::Result<&[MemberEdge]> {
        prime(ctx, self.shop.id, &self.edges).await?;
        Ok(&self.edges)
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// Exact number of members matching the filter (all pages).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<Int32> {
        let n = members::listing::count(&domain(ctx).db, &self.shop, self.now, &self.filter)
            .await
            .gql()?;
        Ok(n.into())
    }
}

/// Loads, in one batch per kind, what the page's nested fields will ask for (balances,
/// first ledger, order and voucher pages), so their per-member loads hit the request's cache: the number of
/// statements does not depend on the page size, nor on how fast members resolve.
async fn prime(
    ctx: &Context<'_>,
    shop_id: uuid::Uuid,
    edges: &[MemberEdge],
) -> async_graphql::Result<()> {
    let node = ctx.look_ahead().field("node");
    let loaders = ctx.data_unchecked::<Loaders>();
    let ids: Vec<uuid::Uuid> = edges.iter().map(|e| e.node.0.id).collect();
    if node.field("tier").exists() || node.field("rankingPoints").exists() {
        loaders
            .policies()
            .load_one(shop_id)
            .await
            .map_err(unshare)
            .gql()?;
    }
    // The loader `Member.points` will use (see `wants_whole`).
    let points = node.field("points");
    let keys = ids.iter().map(|m| (shop_id, *m));
    if wants_whole(&points) {
        loaders
            .balances()
            .load_many(keys)
            .await
            .map_err(unshare)
            .gql()?;
    } else if points.exists() {
        loaders
            .live_balances()
            .load_many(keys)
            .await
            .map_err(unshare)
            .gql()?;
    }
    for ledger in node.field("ledger").selection_fields() {
        if let Some(n) = first_page(&ledger)? {
            loaders
                .ledgers()
                .load_many(ids.iter().map(|m| (shop_id, *m, n)))
                .await
                .map_err(unshare)
                .gql()?;
        }
    }
    order_history::prime_member_orders(ctx, shop_id, &ids, &node).await?;
    vouchers::prime_member_vouchers(ctx, shop_id, &ids, &node).await?;
    Ok(())
}

/// Lists members of `shop_id`: the query behind `members` and `segment.members`.
pub async fn member_page(
    ctx: &Context<'_>,
    shop_id: uuid::Uuid,
    filter: members::MemberFilter,
    order: members::MemberOrder,
    first: Option<i64>,
    after: Option<String>,
) -> async_graphql::Result<MemberConnection> {
    let d = domain(ctx);
    let shop = shops::load(&d.db, shop_id).await.gql()?;
    let now = d.clock.now();
    let limit = page_size(first).gql()?;
    let after = decode::<members::MemberCursor>(after.as_deref())?;
    let page = members::page(&d.db, &shop, now, &filter, order, after.as_ref(), limit)
        .await
        .gql()?;
    let (edges, page_info) = edges(page, |cursor, m| MemberEdge {
        cursor,
        node: Member(m),
    });
    Ok(MemberConnection {
        edges,
        page_info,
        shop,
        now,
        filter,
    })
}

/// Member queries.
#[derive(Default)]
pub struct MemberQuery;

#[Object]
impl MemberQuery {
    /// One member of the caller's shop by id or external id (exactly one of them).
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn member(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        external_id: Option<String>,
    ) -> async_graphql::Result<Option<Member>> {
        let shop_id = principal(ctx)?.shop_id;
        let db = &domain(ctx).db;
        let found = match (id, external_id) {
            (Some(id), None) => {
                // An id that is not even well-formed names no member of this shop.
                match parse_id("id", &id) {
                    Ok(id) => members::by_id(db, shop_id, id).await.gql()?,
                    Err(_) => None,
                }
            }
            (None, Some(ext)) => members::by_external_id(db, shop_id, &ext).await.gql()?,
            _ => {
                return Err(Code::BadUserInput.error("give exactly one of `id` and `externalId`"));
            }
        };
        Ok(found.map(Member))
    }

    /// Members of the caller's shop matching `filter` and `saved`, in `orderBy` (default:
    /// oldest first), a page at a time.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "cost::paged(first, child_complexity)"
    )]
    async fn members(
        &self,
        ctx: &Context<'_>,
        filter: Option<MemberFilter>,
        saved: Option<SavedFilter>,
        order_by: Option<MemberOrderBy>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<MemberConnection> {
        let shop_id = principal(ctx)?.shop_id;
        let filter = filter.unwrap_or_default().into_domain(saved).gql()?;
        let order = order_by.map(Into::into).unwrap_or_default();
        member_page(ctx, shop_id, filter, order, first, after).await
    }

    /// The built-in saved filters of one source's view, in the order seed 002 lists
    /// them: for the opening-data file's customers, the three by last purchase; for a
    /// channel's, the same three, then registered and not registered. Apply one with
    /// `members(filter: {source: <the same source>}, saved: <its filter>)`.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn saved_filters(&self, source: CustomerSource) -> Vec<SavedFilterView> {
        members::source::saved_filters(source.into())
            .iter()
            .map(|f| SavedFilterView::of(*f))
            .collect()
    }
}

/// A built-in saved filter as a view lists it.
#[derive(SimpleObject)]
pub struct SavedFilterView {
    /// The filter, as `members(saved:)` takes it.
    filter: SavedFilter,
    /// Its name as a merchant reads it.
    name: &'static str,
}

impl SavedFilterView {
    fn of(f: members::SavedFilter) -> Self {
        use members::SavedFilter as S;
        let name = match f {
            S::All => "All customers",
            S::BoughtLast7Days => "Bought in the last 7 days",
            S::BoughtLast30Days => "Bought in the last 30 days",
            S::LapsedOver30Days => "No purchase for over 30 days",
            S::Registered => "Registered members",
            S::NotRegistered => "Not registered",
        };
        Self {
            filter: f.into(),
            name,
        }
    }
}
