//! Orders and refunds as sales channels push them, and what each came to.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::checkout::OrderLineInput;
use crate::graphql::enums::Channel;
use crate::graphql::members::object::Member;
use crate::graphql::scalars::{Dec, Int32};
use crate::loaders::Loaders;
use async_graphql::{Context, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::orders;

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

/// What an order came to and what it did to the member's points. The amounts mean
/// what they mean on `Quote` and `Order`: `subtotal - discountTotal = totalBeforePoints`
/// and `totalBeforePoints - pointsValue = amountDue`.
#[derive(SimpleObject)]
pub struct OrderResult {
    pub order_id: ID,
    /// Sum of the lines.
    pub subtotal: Dec,
    /// Due after the tier and voucher discounts, before points: the same as
    /// `totalBeforePoints` (`Quote.total`, by contrast, is after points).
    pub total: Dec,
    /// The tier and voucher discounts, the points left out.
    pub discount_total: Dec,
    /// Paid in money, after points: the same as `amountDue`.
    pub paid: Dec,
    /// Subtotal minus the tier and voucher discounts, before points.
    pub total_before_points: Dec,
    /// VND the redeemed points paid.
    pub points_value: Dec,
    /// What was left to pay in money: `totalBeforePoints - pointsValue`.
    pub amount_due: Dec,
    /// Why the order earned nothing or got no benefit (for instance a DRAFT program);
    /// empty when every benefit applied as the program says.
    pub skipped: Vec<crate::graphql::checkout::SkippedDiscount>,
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
            total_before_points: o.total.into(),
            points_value: o.points_value.into(),
            amount_due: o.paid.into(),
            skipped: o
                .skipped
                .iter()
                .map(crate::graphql::checkout::SkippedDiscount::from)
                .collect(),
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

/// Order mutations.
#[derive(Default)]
pub struct OrderMutation;

#[async_graphql::Object]
impl OrderMutation {
    /// Records an order from any channel: pricing, redemption, earning, tier. Applied
    /// once per `externalId`.
    ///
    /// Requires: CHANNEL or ADMIN.
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
    ///
    /// Requires: CHANNEL or ADMIN.
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
}
