//! Checkout: the cart and the side-effect-free quote.
use crate::auth::{RoleGuard, principal};
use crate::error::Gql;
use crate::graphql::scalars::Dec;
use async_graphql::{Context, ID, InputObject, SimpleObject};
use loyalty_domain::DomainError;
use loyalty_domain::access::Role;

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

impl From<OrderLineInput> for loyalty_domain::orders::OrderLine {
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

/// The priced cart.
#[derive(SimpleObject)]
pub struct Quote {
    pub subtotal: Dec,
    pub discounts: Vec<AppliedDiscount>,
    pub skipped: Vec<SkippedDiscount>,
    pub discount_total: Dec,
    pub points_redeemed: i64,
    pub total: Dec,
    pub points_to_earn: i64,
}

/// Checkout mutations.
#[derive(Default)]
pub struct CheckoutMutation;

#[async_graphql::Object]
impl CheckoutMutation {
    /// Prices a cart without side effects.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn quote(&self, ctx: &Context<'_>, input: QuoteInput) -> async_graphql::Result<Quote> {
        let _ = (principal(ctx)?, input);
        Err(DomainError::NotImplemented("quote")).gql()
    }
}
