//! The points ledger: orders, refunds, adjustments, balances and entries.
use crate::auth::{RoleGuard, principal};
use crate::error::Gql;
use crate::graphql::checkout::OrderLineInput;
use crate::graphql::connection::PageInfo;
use crate::graphql::enums::{Channel, LedgerKind};
use crate::graphql::members::Member;
use crate::graphql::scalars::Dec;
use async_graphql::{Context, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::DomainError;
use loyalty_domain::access::Role;

/// A member's points by state.
#[derive(SimpleObject, Clone, Copy)]
pub struct PointBalance {
    /// Spendable now.
    pub available: i64,
    /// Earned, not yet spendable.
    pub pending: i64,
    /// Spent.
    pub used: i64,
    /// Expired.
    pub expired: i64,
}

/// One movement of points.
#[derive(SimpleObject, Clone)]
pub struct LedgerEntry {
    pub id: ID,
    pub kind: LedgerKind,
    /// Signed: earnings positive, spending negative.
    pub points: i64,
    pub created_at: DateTime<Utc>,
    pub available_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
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

/// An order pushed by a sales channel.
#[derive(InputObject)]
pub struct OrderInput {
    /// Idempotency: the same externalId is applied once.
    pub external_id: String,
    pub member_external_id: String,
    pub channel: Channel,
    pub placed_at: Option<DateTime<Utc>>,
    pub lines: Vec<OrderLineInput>,
    pub voucher_codes: Option<Vec<String>>,
    pub redeem_points: Option<i64>,
}

/// What an order came to and what it did to the member's points.
#[derive(SimpleObject)]
pub struct OrderResult {
    pub order_id: ID,
    pub total: Dec,
    pub discount_total: Dec,
    pub paid: Dec,
    pub points_earned: i64,
    pub points_redeemed: i64,
    pub member: Member,
}

/// A full or partial refund.
#[derive(InputObject)]
pub struct RefundInput {
    pub order_external_id: String,
    /// Idempotency: the same refundId is applied once.
    pub refund_id: String,
    pub amount: Dec,
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
    /// Records an order from any channel: earning, redemption, vouchers.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn record_order(
        &self,
        ctx: &Context<'_>,
        input: OrderInput,
    ) -> async_graphql::Result<OrderResult> {
        let _ = (principal(ctx)?, input);
        Err(DomainError::NotImplemented("recordOrder")).gql()
    }

    /// Refunds an order in full or in part.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn refund_order(
        &self,
        ctx: &Context<'_>,
        input: RefundInput,
    ) -> async_graphql::Result<OrderResult> {
        let _ = (principal(ctx)?, input);
        Err(DomainError::NotImplemented("refundOrder")).gql()
    }

    /// Adds or removes points by hand.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn adjust_points(
        &self,
        ctx: &Context<'_>,
        input: AdjustPointsInput,
    ) -> async_graphql::Result<Member> {
        let _ = (principal(ctx)?, input);
        Err(DomainError::NotImplemented("adjustPoints")).gql()
    }
}
