//! Checkout: the cart and the side-effect-free quote.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
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
}

/// A discount the quote applied.
#[derive(SimpleObject)]
pub struct AppliedDiscount {
    /// "TIER", "VOUCHER:<code>" or "POINTS".
    pub source: String,
    pub label: String,
    pub amount: Dec,
}

/// A discount the quote did not apply, and why.
#[derive(SimpleObject)]
pub struct SkippedDiscount {
    pub source: String,
    pub reason: String,
}

/// The priced cart. `discounts` lists the tier discount, each voucher and the points,
/// in the order applied; `discountTotal` is their sum and `total` what is left to pay in
/// money (`subtotal - discountTotal`).
#[derive(SimpleObject)]
pub struct Quote {
    pub subtotal: Dec,
    pub discounts: Vec<AppliedDiscount>,
    pub skipped: Vec<SkippedDiscount>,
    pub discount_total: Dec,
    pub points_redeemed: Int32,
    /// VND the redeemed points pay.
    pub points_value: Dec,
    pub total: Dec,
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
            skipped: b
                .skipped
                .iter()
                .map(|s| SkippedDiscount {
                    source: s.source.label(),
                    reason: s.reason.clone(),
                })
                .collect(),
            discount_total: discount_total.into(),
            points_redeemed: b.points_redeemed.into(),
            points_value: b.points_value.into(),
            total: b.paid.into(),
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
    /// points the order would earn.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn quote(&self, ctx: &Context<'_>, input: QuoteInput) -> async_graphql::Result<Quote> {
        let shop_id = principal(ctx)?.shop_id;
        let input = checkout::QuoteInput {
            member_external_id: input.member_external_id,
            lines: input.lines.into_iter().map(Into::into).collect(),
            voucher_codes: input.voucher_codes.unwrap_or_default(),
            redeem_points: input.redeem_points.unwrap_or(0),
        };
        Ok(checkout::quote(domain(ctx), shop_id, input)
            .await
            .gql()?
            .into())
    }
}
