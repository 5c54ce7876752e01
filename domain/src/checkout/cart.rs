//! A cart as channels send it (to a quote, an order or a voucher check) and as it is
//! checked at the edge: its lines, and the points offered in payment.
use crate::limits::{MAX_LINES, MAX_ORDER_VND, MAX_POINTS, MAX_QUANTITY, grouped};
use crate::money::non_negative_vnd;
use crate::{DomainError, Result};
use rust_decimal::Decimal;
use serde::Serialize;

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
