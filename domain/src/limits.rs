//! The bounds on amounts that clients send or import (docs/limits.md).
//!
//! Points travel through GraphQL as `Int`, a signed 32-bit number, and are summed in
//! 64 bits in Rust and SQL. Bounding every amount where it enters, and a member's
//! balance as a whole, keeps every balance and entry below 2^31 and every sum far from
//! 2^63, so nothing is ever truncated on the way out or wraps on the way in. Sums that
//! grow with time (points used, totals spent) are still added with checked arithmetic:
//! an overflow there is [`DomainError::LimitExceeded`], never a wrapped number.
use crate::{DomainError, Result};

/// Most points one operation moves (an adjustment, an import row's opening points, a
/// redemption, a reward's cost, an order's earned points) and most a member holds
/// (available plus pending).
pub const MAX_POINTS: i64 = 1_000_000_000;

/// Most VND in one order (its subtotal before discounts), and most a fixed discount or
/// a minimum order value may name.
pub const MAX_ORDER_VND: i64 = 100_000_000_000;

/// Most lines in one order (or cart).
pub const MAX_LINES: usize = 500;
/// Most units on one line.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// Most VND of a customer's opening total spent in an import, and of a tier threshold.
pub const MAX_SPEND_VND: i64 = 1_000_000_000_000_000;

/// Most orders of a customer's opening order count in an import.
pub const MAX_OPENING_ORDERS: i64 = 10_000_000;

/// Most ranking points a tier threshold may need: the threshold is shown as
/// `Tier.minRankingPoints: Int`.
pub const MAX_RANKING_POINTS: i64 = MAX_POINTS;

/// `value` if it is within `0..=max`; otherwise `BAD_USER_INPUT` blaming `field`.
pub fn at_most(field: &str, value: i64, max: i64) -> Result<i64> {
    if (0..=max).contains(&value) {
        Ok(value)
    } else {
        Err(DomainError::invalid(
            field,
            format!("must be between 0 and {}", grouped(max)),
        ))
    }
}

/// Points a member holding `live` points (available plus pending) can still receive.
pub fn headroom(live: i64) -> i64 {
    MAX_POINTS.saturating_sub(live).max(0)
}

/// Refuses a credit of `points` to a member holding `live` points that would take the
/// balance over [`MAX_POINTS`]; `BAD_USER_INPUT` blaming `field`.
pub fn fits_balance(field: &str, live: i64, points: i64) -> Result<()> {
    if points > headroom(live) {
        return Err(DomainError::invalid(
            field,
            format!(
                "a member holds at most {} points; this member holds {} (available and pending), so at most {} more",
                grouped(MAX_POINTS),
                grouped(live),
                grouped(headroom(live))
            ),
        ));
    }
    Ok(())
}

/// `a + b`, or `LimitExceeded` naming `what` when it does not fit in 64 bits.
pub fn add(what: &str, a: i64, b: i64) -> Result<i64> {
    a.checked_add(b).ok_or_else(|| overflow(what))
}

/// `a - b`, or `LimitExceeded` naming `what` when it does not fit in 64 bits.
pub fn sub(what: &str, a: i64, b: i64) -> Result<i64> {
    a.checked_sub(b).ok_or_else(|| overflow(what))
}

/// The sum of `values`, or `LimitExceeded` naming `what` when it does not fit in 64 bits.
pub fn sum(what: &str, values: impl IntoIterator<Item = i64>) -> Result<i64> {
    values
        .into_iter()
        .try_fold(0i64, |acc, v| add(what, acc, v))
}

/// The error for a sum that left 64 bits.
pub fn overflow(what: &str) -> DomainError {
    DomainError::LimitExceeded(format!("{what} is too large to be counted"))
}

/// `1000000000` as `1,000,000,000`, as limits are written in messages and docs.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_that_leave_64_bits_are_errors_not_wrapped_numbers() {
        assert_eq!(sum("points", [1, 2, 3]).ok(), Some(6));
        assert!(matches!(
            sum("points", [i64::MAX, 1]),
            Err(DomainError::LimitExceeded(_))
        ));
        assert!(matches!(
            add("points", i64::MIN, -1),
            Err(DomainError::LimitExceeded(_))
        ));
        assert_eq!(add("points", i64::MAX - 1, 1).ok(), Some(i64::MAX));
        assert!(sub("points", 0, i64::MIN).is_err());
        assert_eq!(sub("points", 0, i64::MAX).ok(), Some(-i64::MAX));
    }

    #[test]
    fn the_balance_holds_at_most_max_points() {
        assert_eq!(headroom(0), MAX_POINTS);
        assert_eq!(headroom(MAX_POINTS + 5), 0);
        assert!(fits_balance("points", MAX_POINTS - 10, 10).is_ok());
        assert!(fits_balance("points", MAX_POINTS - 10, 11).is_err());
        // Every balance the bound allows is a GraphQL Int.
        assert!(i32::try_from(MAX_POINTS).is_ok());
        assert!(i32::try_from(MAX_RANKING_POINTS).is_ok());
    }

    #[test]
    fn bounds_refuse_negative_and_too_large_values() {
        assert_eq!(at_most("x", 5, 10).ok(), Some(5));
        assert!(at_most("x", -1, 10).is_err());
        assert!(at_most("x", 11, 10).is_err());
        assert_eq!(grouped(1_000_000_000), "1,000,000,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(-1234), "-1,234");
    }
}
