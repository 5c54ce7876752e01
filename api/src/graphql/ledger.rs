//! The points ledger: orders, refunds, adjustments, balances and entries.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::checkout::OrderLineInput;
use crate::graphql::connection::{PageInfo, encode, page_info};
use crate::graphql::enums::{Channel, LedgerKind};
use crate::graphql::members::Member;
use crate::graphql::scalars::{Dec, Int32};
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::paging::Page;
use loyalty_domain::{ledger, members, orders};
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
        let cursors: Vec<String> = page.items.iter().map(|(k, _)| encode(*k)).collect();
        let edges = page
            .items
            .into_iter()
            .zip(cursors.iter())
            .map(|((_, e), c)| LedgerEdge {
                cursor: c.clone(),
                node: e.into(),
            })
            .collect();
        Self {
            edges,
            page_info: page_info(&cursors, page.has_next),
        }
    }
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
    /// Sum of the lines.
    pub subtotal: Dec,
    /// Due after discounts, before points.
    pub total: Dec,
    pub discount_total: Dec,
    pub paid: Dec,
    pub points_earned: Int32,
    pub points_redeemed: Int32,
    /// Refunded so far.
    pub refunded_amount: Dec,
    pub member: Member,
}

impl From<orders::OrderOutcome> for OrderResult {
    fn from(o: orders::OrderOutcome) -> Self {
        Self {
            order_id: ID(o.order_id.to_string()),
            subtotal: o.subtotal.into(),
            total: o.total.into(),
            discount_total: o.discount_total.into(),
            paid: o.paid.into(),
            points_earned: o.points_earned.into(),
            points_redeemed: o.points_redeemed.into(),
            refunded_amount: o.refunded_amount.into(),
            member: Member(o.member),
        }
    }
}

impl From<OrderInput> for orders::OrderInput {
    fn from(i: OrderInput) -> Self {
        Self {
            external_id: i.external_id,
            member_external_id: i.member_external_id,
            channel: i.channel.into(),
            placed_at: i.placed_at,
            lines: i.lines.into_iter().map(Into::into).collect(),
            voucher_codes: i.voucher_codes.unwrap_or_default(),
            redeem_points: i.redeem_points.unwrap_or(0),
        }
    }
}

/// A full or partial refund.
#[derive(InputObject)]
pub struct RefundInput {
    pub order_external_id: String,
    /// Idempotency: the same refundId is applied once.
    pub refund_id: String,
    /// Value refunded, out of the order's total after discounts.
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
    /// Records an order from any channel: pricing, redemption, earning, tier. Applied
    /// once per `externalId`.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn record_order(
        &self,
        ctx: &Context<'_>,
        input: OrderInput,
    ) -> async_graphql::Result<OrderResult> {
        let shop_id = principal(ctx)?.shop_id;
        let outcome = orders::record(domain(ctx), shop_id, input.into())
            .await
            .gql()?;
        if let Some(balance) = outcome.balance {
            // The write knew the live balance: `member { points { available pending } }`
            // needs no second read.
            ctx.data_unchecked::<Loaders>()
                .live_balances()
                .feed_one((shop_id, outcome.member.id), balance)
                .await;
        }
        Ok(outcome.into())
    }

    /// Refunds an order in full or in part. Applied once per `refundId`.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn refund_order(
        &self,
        ctx: &Context<'_>,
        input: RefundInput,
    ) -> async_graphql::Result<OrderResult> {
        let shop_id = principal(ctx)?.shop_id;
        let input = orders::RefundInput {
            order_external_id: input.order_external_id,
            refund_id: input.refund_id,
            amount: input.amount.0,
        };
        Ok(orders::refund(domain(ctx), shop_id, input)
            .await
            .gql()?
            .into())
    }

    /// Adds or removes points by hand. Applied once per `idempotencyKey`.
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
