//! The points ledger: balances, entries and manual adjustments.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::connection::{PageInfo, edges};
use crate::graphql::enums::LedgerKind;
use crate::graphql::members::object::Member;
use crate::graphql::scalars::Int32;
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::paging::Page;
use loyalty_domain::{ledger, members};
use uuid::Uuid;

/// A member's points by state: available and pending from the member's lots (or from the
/// write that just changed them); used and expired, which sum the member's whole ledger,
/// read only when a client asks for them.
#[derive(Clone, Copy)]
pub struct PointBalance {
    /// The member's shop and id.
    pub key: (Uuid, Uuid),
    /// Available and pending.
    pub live: ledger::LiveBalance,
}

impl PointBalance {
    async fn whole(&self, ctx: &Context<'_>) -> async_graphql::Result<ledger::PointBalance> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .balances()
            .load_one(self.key)
            .await
            .map_err(unshare)
            .gql()?
            .unwrap_or_default())
    }
}

/// A member's points by state.
#[Object]
impl PointBalance {
    /// Spendable now.
    async fn available(&self) -> Int32 {
        self.live.available.into()
    }
    /// Earned, not yet spendable.
    async fn pending(&self) -> Int32 {
        self.live.pending.into()
    }
    /// Spent.
    async fn used(&self, ctx: &Context<'_>) -> async_graphql::Result<Int32> {
        Ok(self.whole(ctx).await?.used.into())
    }
    /// Expired.
    async fn expired(&self, ctx: &Context<'_>) -> async_graphql::Result<Int32> {
        Ok(self.whole(ctx).await?.expired.into())
    }
    /// Points (available or pending) that expire within `withinDays` days (1 to 366,
    /// default 30), summed per expiry instant, soonest first, at most 10 instants. One
    /// statement per member, priced like a short list.
    #[graphql(complexity = "crate::graphql::cost::UNPAGED_LIST * child_complexity")]
    async fn expiring_soon(
        &self,
        ctx: &Context<'_>,
        within_days: Option<i64>,
    ) -> async_graphql::Result<Vec<PointExpiry>> {
        let days = within_days.unwrap_or(30);
        if !(1..=366).contains(&days) {
            return Err(loyalty_domain::DomainError::invalid(
                "withinDays",
                "withinDays is 1 to 366",
            ))
            .gql();
        }
        let d = crate::auth::domain(ctx);
        let now = d.clock.now();
        let (shop_id, member_id) = self.key;
        let found = ledger::expiring::expiring(
            &d.db,
            shop_id,
            member_id,
            now,
            now + chrono::TimeDelta::days(days),
        )
        .await
        .gql()?;
        Ok(found
            .into_iter()
            .map(|e| PointExpiry {
                points: e.points.into(),
                at: e.at,
            })
            .collect())
    }
}

/// Points due to expire at one instant.
#[derive(SimpleObject)]
pub struct PointExpiry {
    /// Points that expire then.
    pub points: Int32,
    /// When they expire.
    pub at: DateTime<Utc>,
}

/// One movement of points.
#[derive(SimpleObject, Clone)]
pub struct LedgerEntry {
    pub id: ID,
    pub kind: LedgerKind,
    /// Signed: earnings positive, spending negative.
    pub points: Int32,
    pub created_at: DateTime<Utc>,
    pub available_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// The API key that made a manual adjustment (`adjustPoints`, or the key that
    /// started an `adjustPointsForMembers`); none for other entries.
    pub key_id: Option<ID>,
}

impl From<ledger::LedgerEntry> for LedgerEntry {
    fn from(e: ledger::LedgerEntry) -> Self {
        Self {
            id: ID(e.id.to_string()),
            kind: e.kind.into(),
            points: e.points.into(),
            created_at: e.created_at,
            available_at: e.available_at,
            expires_at: e.expires_at,
            reason: e.reason,
            key_id: e.actor_key_id.map(|k| ID(k.to_string())),
        }
    }
}

/// An edge of [`LedgerConnection`].
#[derive(SimpleObject)]
pub struct LedgerEdge {
    pub cursor: String,
    pub node: LedgerEntry,
}

/// A page of ledger entries, newest first.
#[derive(SimpleObject)]
pub struct LedgerConnection {
    pub edges: Vec<LedgerEdge>,
    pub page_info: PageInfo,
}

impl LedgerConnection {
    /// A page of domain entries as a connection.
    pub fn from_page(page: Page<ledger::LedgerCursor, ledger::LedgerEntry>) -> Self {
        let (edges, page_info) = edges(page, |cursor, e| LedgerEdge {
            cursor,
            node: e.into(),
        });
        Self { edges, page_info }
    }
}

/// A manual adjustment.
#[derive(InputObject)]
pub struct AdjustPointsInput {
    pub member_id: ID,
    /// Signed.
    pub points: i64,
    pub reason: String,
    pub idempotency_key: String,
}

/// Ledger mutations.
#[derive(Default)]
pub struct LedgerMutation;

#[async_graphql::Object]
impl LedgerMutation {
    /// Adds or removes points by hand. Applied once per `idempotencyKey`.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn adjust_points(
        &self,
        ctx: &Context<'_>,
        input: AdjustPointsInput,
    ) -> async_graphql::Result<Member> {
        let shop_id = principal(ctx)?.shop_id;
        let input = ledger::AdjustInput {
            member_id: parse_id("memberId", &input.member_id).gql()?,
            points: input.points,
            reason: input.reason,
            idempotency_key: input.idempotency_key,
        };
        let row = ledger::adjust(domain(ctx), shop_id, input).await.gql()?;
        Ok(Member(members::Member::from_row(row).gql()?))
    }
}
