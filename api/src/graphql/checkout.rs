//! Checkout: the cart and the side-effect-free quote.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::enums::Channel;
use crate::graphql::scalars::{Dec, Int32};
use async_graphql::{Context, ID, InputObject, SimpleObject};
use loyalty_domain::access::Role;
use loyalty_domain::checkout;

/// A cart or order line.
#[derive(InputObject)]
pub struct OrderLineInput {
    pub product_id: ID,
    pub group_ids: Option<Vec<ID>>,
    pub quantity: i64,
    pub unit_price: Dec,
    /// The line already carries another promotion.
    pub already_discounted: Option<bool>,
}

impl From<OrderLineInput> for loyalty_domain::checkout::OrderLine {
    fn from(l: OrderLineInput) -> Self {
        Self {
            product_id: l.product_id.0,
            group_ids: l
                .group_ids
                .unwrap_or_default()
                .into_iter()
                .map(|g| g.0)
                .collect(),
            quantity: l.quantity,
            unit_price: l.unit_price.0,
            already_discounted: l.already_discounted.unwrap_or(false),
        }
    }
}

/// A cart to price.
#[derive(InputObject)]
pub struct QuoteInput {
    pub member_external_id: Option<String>,
    pub lines: Vec<OrderLineInput>,
    pub voucher_codes: Option<Vec<String>>,
    pub redeem_points: Option<i64>,
    /// Where the sale happens: offers for some channels only (`channel_in`) apply only
    /// when it is given and one of theirs.
    pub channel: Option<Channel>,
}

/// A discount the quote applied.
#[derive(SimpleObject)]
pub struct AppliedDiscount {
    /// "TIER", "VOUCHER:<code>" or "POINTS".
    pub source: String,
    pub label: String,
    pub amount: Dec,
}

/// A discount or benefit that was not applied, and why.
#[derive(SimpleObject)]
pub struct SkippedDiscount {
    /// "TIER", "VOUCHER:<code>" or "POINTS" (earning or paying with points).
    pub source: String,
    pub reason: String,
}

impl From<&checkout::Skipped> for SkippedDiscount {
    fn from(s: &checkout::Skipped) -> Self {
        Self {
            source: s.source.label(),
            reason: s.reason.clone(),
        }
    }
}

/// The priced cart. `discounts` lists the tier discount, each voucher and the points,
/// in the order applied. The amounts mean what they mean on `OrderResult` and `Order`:
/// `subtotal - (tier and voucher discounts) = totalBeforePoints`, and
/// `totalBeforePoints - pointsValue = amountDue`.
#[derive(SimpleObject)]
pub struct Quote {
    /// Sum of the lines.
    pub subtotal: Dec,
    pub discounts: Vec<AppliedDiscount>,
    /// Discounts not applied, and why (for instance every benefit of a DRAFT program).
    pub skipped: Vec<SkippedDiscount>,
    /// Every discount in `discounts`, the points' value included (unlike
    /// `OrderResult.discountTotal`, which leaves the points out):
    /// `subtotal - amountDue`.
    pub discount_total: Dec,
    pub points_redeemed: Int32,
    /// VND the redeemed points pay.
    pub points_value: Dec,
    /// What is left to pay in money, after points: the same as `amountDue`. Unlike
    /// `OrderResult.total` and `Order.total`, which are before points.
    #[graphql(
        deprecation = "after points here but before points on OrderResult and Order: read amountDue (after points) or totalBeforePoints"
    )]
    pub total: Dec,
    /// Subtotal minus the tier and voucher discounts, before points: what
    /// `OrderResult.totalBeforePoints` will be for this cart.
    pub total_before_points: Dec,
    /// What is left to pay in money: `totalBeforePoints - pointsValue`, what
    /// `OrderResult.amountDue` will be for this cart.
    pub amount_due: Dec,
    /// Points the order would earn, the offers' bonus and multiplied points included,
    /// as `recordOrder` would credit them.
    pub points_to_earn: Int32,
    /// The member's available points (null without a known member).
    pub available_points: Option<Int32>,
}

impl From<checkout::Quote> for Quote {
    fn from(q: checkout::Quote) -> Self {
        let b = q.breakdown;
        // Each discount is at most the order, itself bounded far below 2^63.
        let discount_total = b
            .applied
            .iter()
            .fold(0i64, |sum, a| sum.saturating_add(a.amount));
        Self {
            subtotal: b.subtotal.into(),
            discounts: b
                .applied
                .iter()
                .map(|a| AppliedDiscount {
                    source: a.source.label(),
                    label: a.label.clone(),
                    amount: a.amount.into(),
                })
                .collect(),
            skipped: b.skipped.iter().map(SkippedDiscount::from).collect(),
            discount_total: discount_total.into(),
            points_redeemed: b.points_redeemed.into(),
            points_value: b.points_value.into(),
            total: b.paid.into(),
            total_before_points: b.total.into(),
            amount_due: b.paid.into(),
            points_to_earn: q.points_to_earn.into(),
            available_points: q.available_points.map(Into::into),
        }
    }
}

/// Checkout mutations.
#[derive(Default)]
pub struct CheckoutMutation;

#[async_graphql::Object]
impl CheckoutMutation {
    /// Prices a cart without side effects: vouchers, tier discount, points, and the
    /// points the order would earn. It writes nothing, so READ keys may call it too.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn quote(&self, ctx: &Context<'_>, input: QuoteInput) -> async_graphql::Result<Quote> {
        let shop_id = principal(ctx)?.shop_id;
        let input = checkout::QuoteInput {
            member_external_id: input.member_external_id,
            lines: input.lines.into_iter().map(Into::into).collect(),
            voucher_codes: input.voucher_codes.unwrap_or_default(),
            redeem_points: input.redeem_points.unwrap_or(0),
            channel: input
                .channel
                .map(|c| loyalty_domain::orders::input::Channel::from(c).as_str()),
        };
        Ok(checkout::quote(domain(ctx), shop_id, input)
            .await
            .gql()?
            .into())
    }
}
