//! Whole-VND money at the storage edge.
//!
//! VND has no minor unit: the API speaks `Decimal`, the database stores whole VND as
//! `i64`. Conversions refuse fractions and out-of-range values instead of rounding them
//! silently, because an amount a client sent is a fact, not an estimate.
//!
//! An amount written with a decimal part is refused even when that part is zero:
//! Vietnamese groups thousands with dots, so `"250.000"` is as likely to mean 250,000 VND
//! as 250, and only the sender knows which (see [`written`] for the one rule the API and
//! the CSV import share).
pub mod written;

use crate::{DomainError, Result};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Converts a client amount to whole VND; `field` names the input for the error. An
/// amount written with decimals (`250.000`, `250000.50`) is refused with a hint.
pub fn vnd_from_decimal(field: &str, amount: Decimal) -> Result<i64> {
    written::whole(field, amount, written::Unit::Vnd)
}

/// Same as [`vnd_from_decimal`] and also refuses negative amounts.
pub fn non_negative_vnd(field: &str, amount: Decimal) -> Result<i64> {
    let vnd = vnd_from_decimal(field, amount)?;
    if vnd < 0 {
        return Err(DomainError::invalid(field, "must not be negative"));
    }
    Ok(vnd)
}

/// Reads a decimal setting stored as text; a bad value is a corrupt row, not bad input.
pub fn stored_decimal(column: &str, raw: &str) -> Result<Decimal> {
    Decimal::from_str(raw)
        .map_err(|_| DomainError::Internal(format!("stored {column} '{raw}' is not a decimal")))
}

/// Formats a decimal setting for storage without trailing zeros.
pub fn store_decimal(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn whole_amounts_pass_and_fractions_fail() {
        assert_eq!(vnd_from_decimal("x", dec!(125000)).ok(), Some(125000));
        assert!(vnd_from_decimal("x", dec!(125000.00)).is_err());
        assert!(vnd_from_decimal("x", dec!(0.5)).is_err());
        assert!(non_negative_vnd("x", dec!(-1)).is_err());
        assert!(vnd_from_decimal("x", Decimal::MAX).is_err());
    }

    #[test]
    fn stored_decimals_round_trip() {
        assert_eq!(store_decimal(dec!(1.50)), "1.5");
        assert_eq!(stored_decimal("c", "1.5").ok(), Some(dec!(1.5)));
        assert!(stored_decimal("c", "x").is_err());
    }
}
