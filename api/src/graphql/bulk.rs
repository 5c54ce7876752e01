//! Bulk actions by filter: points, registration or a voucher for every member a filter
//! matches, run as a durable job whose progress `bulkJob` shows.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::cost;
use crate::graphql::enums::SavedFilter;
use crate::graphql::members::filter::MemberFilter;
use crate::graphql::scalars::Int32;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::bulk::{self, BulkAction, BulkRequest};
use loyalty_domain::ids::parse_id;
use loyalty_domain::paging::page_size;
use uuid::Uuid;

/// What a bulk job does to each member.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "loyalty_domain::bulk::BulkKind")]
pub enum BulkJobKind {
    /// `adjustPointsForMembers`.
    AdjustPoints,
    /// `registerMembersMatching`.
    RegisterMembers,
    /// `issueVouchersToMembers`.
    IssueVouchers,
}

/// Where a bulk job stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "loyalty_domain::bulk::BulkStatus")]
pub enum BulkJobStatus {
    /// Waiting for its first batch.
    Queued,
    /// Some members applied, some pending.
    Running,
    /// Every member applied or failed (see `failed` and `failures`).
    Done,
    /// The job could not run at all.
    Failed,
}

/// A member the action was refused for.
#[derive(SimpleObject)]
pub struct BulkJobFailure {
    member_id: ID,
    /// Why, e.g. insufficient points.
    reason: String,
}

/// A bulk action over the members a filter matched when it was asked for.
pub struct BulkJob {
    shop_id: Uuid,
    job: bulk::BulkJob,
}

#[Object]
impl BulkJob {
    async fn id(&self) -> ID {
        ID(self.job.id.to_string())
    }
    async fn kind(&self) -> BulkJobKind {
        self.job.kind.into()
    }
    async fn status(&self) -> BulkJobStatus {
        self.job.status.into()
    }
    /// Members frozen when the job was asked for.
    async fn total(&self) -> Int32 {
        self.job.total.into()
    }
    /// Members applied.
    async fn done(&self) -> Int32 {
        self.job.done.into()
    }
    /// Members the action was refused for.
    async fn failed(&self) -> Int32 {
        self.job.failed.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.job.created_at
    }
    /// When the last member was applied.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.job.finished_at
    }
    /// The first members (by id) the action was refused for, with the reason.
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    async fn failures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "at most 100; default 20")] first: Option<i64>,
    ) -> async_graphql::Result<Vec<BulkJobFailure>> {
        let first = page_size(first).gql()?;
        Ok(
            bulk::failures(&domain(ctx).db, self.shop_id, self.job.id, first)
                .await
                .gql()?
                .into_iter()
                .map(|(member, reason)| BulkJobFailure {
                    member_id: ID(member.to_string()),
                    reason,
                })
                .collect(),
        )
    }
}

/// Bulk job queries.
#[derive(Default)]
pub struct BulkQuery;

#[Object]
impl BulkQuery {
    /// A bulk job of the caller's shop and its progress.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn bulk_job(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<BulkJob> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let job = bulk::get(&domain(ctx).db, shop_id, id).await.gql()?;
        Ok(BulkJob { shop_id, job })
    }
}

/// Bulk mutations.
#[derive(Default)]
pub struct BulkMutation;

async fn start(
    ctx: &Context<'_>,
    action: BulkAction,
    filter: Option<MemberFilter>,
    saved: Option<SavedFilter>,
    idempotency_key: Option<String>,
) -> async_graphql::Result<BulkJob> {
    let shop_id = principal(ctx)?.shop_id;
    let filter = filter.unwrap_or_default().into_domain(saved).gql()?;
    let request = BulkRequest {
        action,
        filter,
        idempotency_key,
    };
    let job = bulk::start(domain(ctx), shop_id, request).await.gql()?;
    Ok(BulkJob { shop_id, job })
}

#[Object]
impl BulkMutation {
    /// Adds (positive) or removes (negative) `points` for every member matching `filter`
    /// and `saved` now, in the background; returns the job (`bulkJob` shows progress).
    /// Each member is adjusted once, with the same rules as `adjustPoints`; a member who
    /// has too few points is counted in `failed` and the job goes on. At most 1,000,000
    /// members. The same `idempotencyKey` returns the same job.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn adjust_points_for_members(
        &self,
        ctx: &Context<'_>,
        filter: Option<MemberFilter>,
        saved: Option<SavedFilter>,
        points: i64,
        reason: String,
        idempotency_key: String,
    ) -> async_graphql::Result<BulkJob> {
        let action = BulkAction::AdjustPoints { points, reason };
        start(ctx, action, filter, saved, Some(idempotency_key)).await
    }

    /// Registers every customer matching `filter` and `saved` now, in the background;
    /// returns the job. At most 1,000,000 members; the same `idempotencyKey`, if given,
    /// returns the same job.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn register_members_matching(
        &self,
        ctx: &Context<'_>,
        filter: Option<MemberFilter>,
        saved: Option<SavedFilter>,
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<BulkJob> {
        start(
            ctx,
            BulkAction::RegisterMembers,
            filter,
            saved,
            idempotency_key,
        )
        .await
    }

    /// Issues one voucher of the offer to every member matching `filter` and `saved`
    /// now, in the background; returns the job. At most 1,000,000 members; the same
    /// `idempotencyKey`, if given, returns the same job.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn issue_vouchers_to_members(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        filter: Option<MemberFilter>,
        saved: Option<SavedFilter>,
        idempotency_key: Option<String>,
    ) -> async_graphql::Result<BulkJob> {
        let offer_id = parse_id("offerId", &offer_id).gql()?;
        let action = BulkAction::IssueVouchers { offer_id };
        start(ctx, action, filter, saved, idempotency_key).await
    }
}
