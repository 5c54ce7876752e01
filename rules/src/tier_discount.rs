//! The member's tier discount: a percent of what is left to pay, rounded half-up, at
//! most the tier's cap.
use crate::money::round_vnd;
use rust_decimal::Decimal;

/// The discount on `base` at `percent`, capped by `cap` and by `base` itself.
pub fn tier_discount(base: Decimal, percent: Decimal, cap: Option<Decimal>) -> Decimal {
    if base <= Decimal::ZERO || percent <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let raw = round_vnd(base * percent / Decimal::ONE_HUNDRED);
    raw.min(cap.unwrap_or(raw)).min(base).max(Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn percent_rounded_and_capped() {
        assert_eq!(
            tier_discount(dec!(500000), dec!(5), Some(dec!(20000))),
            dec!(20000)
        );
        assert_eq!(tier_discount(dec!(500000), dec!(5), None), dec!(25000));
        assert_eq!(
            tier_discount(dec!(10001), dec!(5), None),
            dec!(500),
            "500.05 rounds to 500"
        );
        assert_eq!(
            tier_discount(dec!(10010), dec!(5), None),
            dec!(501),
            "500.5 rounds up"
        );
        assert_eq!(tier_discount(dec!(0), dec!(5), None), dec!(0));
        assert_eq!(tier_discount(dec!(1000), dec!(0), Some(dec!(5))), dec!(0));
    }
}
