//! Orders and refunds as channels send them, validated at the edge.
use crate::checkout::cart::{CleanLine, OrderLine, clean_lines, redeem_points};
use crate::members::profile::clean_external_id;
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

pub use crate::channel::Channel;

/// An order as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderInput {
    /// The channel's order id; applied once.
    pub external_id: String,
    /// The customer's external id; unknown customers are created.
    pub member_external_id: String,
    /// Where it was sold.
    pub channel: Channel,
    /// When it was placed; default now.
    pub placed_at: Option<DateTime<Utc>>,
    /// What was bought.
    pub lines: Vec<OrderLine>,
    /// Vouchers to apply.
    pub voucher_codes: Vec<String>,
    /// Points to pay with.
    pub redeem_points: i64,
}

/// Validates the order's own fields; lines by [`clean_lines`].
pub fn validate(input: &OrderInput, now: DateTime<Utc>) -> Result<Vec<CleanLine>> {
    clean_external_id(&input.external_id)
        .map_err(|_| DomainError::invalid("externalId", "an order id has 1 to 100 characters"))?;
    clean_external_id(&input.member_external_id).map_err(|_| {
        DomainError::invalid("memberExternalId", "a customer id has 1 to 100 characters")
    })?;
    redeem_points(input.redeem_points)?;
    if input.voucher_codes.len() > 10 {
        return Err(DomainError::invalid(
            "voucherCodes",
            "at most 10 vouchers per order",
        ));
    }
    if let Some(at) = input.placed_at
        && at > now + chrono::Duration::hours(1)
    {
        return Err(DomainError::invalid(
            "placedAt",
            "an order cannot be placed in the future",
        ));
    }
    clean_lines(&input.lines)
}

/// A refund as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefundInput {
    /// The refunded order.
    pub order_external_id: String,
    /// The channel's refund id; applied once.
    pub refund_id: String,
    /// Value refunded, out of the order's total after discounts.
    pub amount: Decimal,
}
