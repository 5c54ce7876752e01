//! Whole-VND rounding.
use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to whole VND, half away from zero (half-up for amounts).
pub fn round_vnd(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn half_rounds_up() {
        assert_eq!(round_vnd(dec!(0.5)), dec!(1));
        assert_eq!(round_vnd(dec!(1.49)), dec!(1));
        assert_eq!(round_vnd(dec!(333.333)), dec!(333));
    }
}
