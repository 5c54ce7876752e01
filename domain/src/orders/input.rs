//! Orders and refunds as channels send them, validated at the edge.
use crate::limits::{MAX_ORDER_VND, MAX_POINTS, grouped};
use crate::members::profile::clean_external_id;
use crate::money::non_negative_vnd;
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

/// Most lines in one order.
pub const MAX_LINES: usize = 500;
/// Most units on one line.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// A sales channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Channel {
    /// Web store.
    Web,
    /// Point of sale.
    Pos,
    /// Social commerce.
    Social,
    /// Livestream.
    Livestream,
    /// Admin order entry.
    Admin,
}

impl Channel {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "WEB",
            Channel::Pos => "POS",
            Channel::Social => "SOCIAL",
            Channel::Livestream => "LIVESTREAM",
            Channel::Admin => "ADMIN",
        }
    }
}

/// A cart or order line as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderLine {
    /// The product.
    pub product_id: String,
    /// Its groups (collections, categories).
    pub group_ids: Vec<String>,
    /// Units.
    pub quantity: i64,
    /// Price of one unit, VND.
    pub unit_price: Decimal,
    /// Carries another promotion already.
    pub already_discounted: bool,
}

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

/// A line after validation: whole VND and checked quantities. Serialized as an element
/// of the order's `lines` column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CleanLine {
    /// The product.
    pub product_id: String,
    /// Its groups.
    pub group_ids: Vec<String>,
    /// Units, at least 1.
    pub quantity: i64,
    /// Unit price, whole VND.
    pub unit_price: i64,
    /// Carries another promotion already.
    pub already_discounted: bool,
}

fn short_id(field: &str, raw: &str) -> Result<String> {
    let id = raw.trim();
    if id.is_empty() || id.chars().count() > 100 {
        return Err(DomainError::invalid(field, "ids have 1 to 100 characters"));
    }
    Ok(id.to_owned())
}

/// Validates cart lines: at least one, at most [`MAX_LINES`], positive quantities,
/// whole non-negative prices, and a subtotal of at most [`MAX_ORDER_VND`].
pub fn clean_lines(lines: &[OrderLine]) -> Result<Vec<CleanLine>> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(DomainError::invalid(
            "lines",
            format!("an order has 1 to {MAX_LINES} lines"),
        ));
    }
    let mut subtotal: i64 = 0;
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return Err(DomainError::invalid(
                "lines.quantity",
                format!("quantity must be between 1 and {MAX_QUANTITY}"),
            ));
        }
        let unit_price = non_negative_vnd("lines.unitPrice", line.unit_price)?;
        subtotal = line
            .quantity
            .checked_mul(unit_price)
            .and_then(|v| subtotal.checked_add(v))
            .filter(|v| *v <= MAX_ORDER_VND)
            .ok_or_else(|| {
                DomainError::invalid(
                    "lines",
                    format!(
                        "an order comes to at most {} VND before discounts",
                        grouped(MAX_ORDER_VND)
                    ),
                )
            })?;
        if line.group_ids.len() > 50 {
            return Err(DomainError::invalid(
                "lines.groupIds",
                "at most 50 groups per line",
            ));
        }
        out.push(CleanLine {
            product_id: short_id("lines.productId", &line.product_id)?,
            group_ids: line
                .group_ids
                .iter()
                .map(|g| short_id("lines.groupIds", g))
                .collect::<Result<_>>()?,
            quantity: line.quantity,
            unit_price,
            already_discounted: line.already_discounted,
        });
    }
    Ok(out)
}

/// Checks points asked for as payment: 0 to [`MAX_POINTS`].
pub fn redeem_points(points: i64) -> Result<i64> {
    if !(0..=MAX_POINTS).contains(&points) {
        return Err(DomainError::invalid(
            "redeemPoints",
            format!("must be between 0 and {}", grouped(MAX_POINTS)),
        ));
    }
    Ok(points)
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
