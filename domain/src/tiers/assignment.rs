//! Where a member's tier is computed: from ranking spend against the tier thresholds.
use super::Tier;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Ranking points for a whole-VND spend: floor(spend / spend per ranking point).
pub fn ranking_points(spend: i64, spend_per_ranking_point: Decimal) -> i64 {
    if spend_per_ranking_point <= Decimal::ZERO {
        return 0;
    }
    // Checked: a plain division panics past Decimal's range (a tiny conversion).
    Decimal::from(spend)
        .checked_div(spend_per_ranking_point)
        .and_then(|q| q.floor().to_i64())
        .unwrap_or(i64::MAX)
}

/// The smallest whole-VND spend whose ranking points reach the tier's ranking points.
///
/// Tiers are set in spend and reached in ranking points (seed 001); when a threshold is
/// not a multiple of the conversion, the points decide. Comparing spend against this
/// value in SQL gives the same answer as comparing points, without decimal division there.
pub fn effective_threshold(min_spend: i64, spend_per_ranking_point: Decimal) -> i64 {
    let points = ranking_points(min_spend, spend_per_ranking_point);
    Decimal::from(points)
        .checked_mul(spend_per_ranking_point)
        .and_then(|v| v.ceil().to_i64())
        .unwrap_or(i64::MAX)
}

/// The highest tier a ranking spend reaches; `tiers` in any order.
pub fn tier_for_spend(
    tiers: &[Tier],
    ranking_spend: i64,
    spend_per_ranking_point: Decimal,
) -> Option<&Tier> {
    tiers
        .iter()
        .filter(|t| {
            t.is_initial
                || ranking_spend >= effective_threshold(t.min_spend, spend_per_ranking_point)
        })
        .max_by_key(|t| t.min_spend)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn points_decide_when_threshold_is_not_a_multiple() {
        assert_eq!(ranking_points(1_999_999, dec!(1000)), 1999);
        assert_eq!(effective_threshold(2_000_000, dec!(1000)), 2_000_000);
        assert_eq!(effective_threshold(2_500_500, dec!(1000)), 2_500_000);
        assert_eq!(effective_threshold(2_000_000, dec!(1)), 2_000_000);
        assert_eq!(effective_threshold(10, dec!(3.3)), 10);
        assert_eq!(ranking_points(10, dec!(3.3)), 3);
    }
}
