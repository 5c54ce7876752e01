//! Segments: saved member filters, evaluated on every read.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::cost;
use crate::graphql::members::filter::{MemberFilter, MemberOrderBy};
use crate::graphql::members::queries::{MemberConnection, member_page};
use crate::graphql::scalars::Int32;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::{members, shops};
use uuid::Uuid;

/// A named filter.
pub struct Segment {
    shop_id: Uuid,
    segment: members::segments::Segment,
}

#[Object]
impl Segment {
    async fn id(&self) -> ID {
        ID(self.segment.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.segment.name
    }
    /// The saved filter as JSON.
    async fn filter(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(serde_json::to_value(&self.segment.filter).unwrap_or_default())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.segment.created_at
    }
    /// Members matching now.
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        order_by: Option<MemberOrderBy>,
        first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<MemberConnection> {
        let order = order_by.map(Into::into).unwrap_or_default();
        member_page(
            ctx,
            self.shop_id,
            self.segment.filter.clone(),
            order,
            first,
            after,
        )
        .await
    }
    /// How many members match now.
    #[graphql(complexity = "cost::PER_ITEM_QUERY")]
    async fn count(&self, ctx: &Context<'_>) -> async_graphql::Result<Int32> {
        let _turn = cost::turn(ctx).await;
        let d = domain(ctx);
        let shop = shops::load(&d.db, self.shop_id).await.gql()?;
        let n = members::listing::count(&d.db, &shop, d.clock.now(), &self.segment.filter)
            .await
            .gql()?;
        Ok(n.into())
    }
}

/// Segment queries.
#[derive(Default)]
pub struct SegmentQuery;

#[Object]
impl SegmentQuery {
    /// The shop's segments by name.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "cost::UNPAGED_LIST * child_complexity"
    )]
    async fn segments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Segment>> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(members::segments::list(&domain(ctx).db, shop_id)
            .await
            .gql()?
            .into_iter()
            .map(|segment| Segment { shop_id, segment })
            .collect())
    }

    /// One segment.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn segment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Segment>> {
        let shop_id = principal(ctx)?.shop_id;
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        Ok(members::segments::get(&domain(ctx).db, shop_id, id)
            .await
            .gql()?
            .map(|segment| Segment { shop_id, segment }))
    }
}

/// Segment mutations (ADMIN).
#[derive(Default)]
pub struct SegmentMutation;

#[Object]
impl SegmentMutation {
    /// Saves a named filter.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_segment(
        &self,
        ctx: &Context<'_>,
        name: String,
        filter: MemberFilter,
    ) -> async_graphql::Result<Segment> {
        let shop_id = principal(ctx)?.shop_id;
        let filter = filter.into_domain(None).gql()?;
        let segment = members::segments::create(domain(ctx), shop_id, &name, filter)
            .await
            .gql()?;
        Ok(Segment { shop_id, segment })
    }

    /// Renames a segment or replaces its filter.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_segment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: String,
        filter: MemberFilter,
    ) -> async_graphql::Result<Segment> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let filter = filter.into_domain(None).gql()?;
        let segment = members::segments::update(domain(ctx), shop_id, id, &name, filter)
            .await
            .gql()?;
        Ok(Segment { shop_id, segment })
    }

    /// Deletes a segment.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn delete_segment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        members::segments::delete(domain(ctx), shop_id, id)
            .await
            .gql()
    }
}
