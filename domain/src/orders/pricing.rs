//! What an order costs: subtotal, tier discount, and the points paid. Pure.
use super::input::CleanLine;
use crate::tiers::Tier;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// The priced order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Priced {
    /// Sum of the lines.
    pub subtotal: i64,
    /// Tier discount.
    pub tier_discount: i64,
    /// Due after discounts, before points.
    pub total: i64,
    /// Points paid.
    pub points_redeemed: i64,
    /// Their value in VND.
    pub points_value: i64,
    /// Due in money.
    pub paid: i64,
}

fn round_vnd(d: Decimal) -> i64 {
    d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(0)
}

/// The tier discount on `base`: its percent, rounded half-up, at most its cap.
pub fn tier_discount(tier: Option<&Tier>, base: i64) -> i64 {
    let Some(t) = tier else { return 0 };
    let raw = round_vnd(Decimal::from(base) * t.discount_percent / Decimal::ONE_HUNDRED);
    raw.min(t.discount_cap.unwrap_or(i64::MAX))
        .clamp(0, base.max(0))
}

/// Points that may pay at most `limit` VND at `per_thousand` points per 1,000 VND.
pub fn max_points_for(limit: i64, per_thousand: i64) -> i64 {
    if limit <= 0 || per_thousand <= 0 {
        return 0;
    }
    i64::try_from(i128::from(limit) * i128::from(per_thousand) / 1000).unwrap_or(i64::MAX)
}

/// The VND value of `points`, rounded half-up.
pub fn points_value(points: i64, per_thousand: i64) -> i64 {
    if per_thousand <= 0 {
        return 0;
    }
    round_vnd(Decimal::from(points) * Decimal::from(1000) / Decimal::from(per_thousand))
}

/// Prices an order: tier discount on the subtotal, then the points asked for, capped by
/// the tier's redemption cap and by what is left to pay.
pub fn price(lines: &[CleanLine], tier: Option<&Tier>, redeem: i64, per_thousand: i64) -> Priced {
    let subtotal: i64 = lines.iter().map(|l| l.quantity * l.unit_price).sum();
    let tier_discount = tier_discount(tier, subtotal);
    let total = subtotal - tier_discount;
    let cap = tier
        .and_then(|t| t.redeem_cap)
        .unwrap_or(i64::MAX)
        .min(total);
    let points_redeemed = redeem.clamp(0, max_points_for(cap, per_thousand));
    let points_value = points_value(points_redeemed, per_thousand).min(total);
    Priced {
        subtotal,
        tier_discount,
        total,
        points_redeemed,
        points_value,
        paid: total - points_value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    fn line(qty: i64, price: i64) -> CleanLine {
        CleanLine {
            product_id: "p".into(),
            group_ids: vec![],
            quantity: qty,
            unit_price: price,
            already_discounted: false,
        }
    }

    #[test]
    fn tier_discount_with_cap_then_points_capped() {
        let mut gold = Tier::plain(Uuid::nil(), "Gold", 5_000_000, false);
        gold.discount_percent = dec!(5);
        gold.discount_cap = Some(20_000);
        gold.redeem_cap = Some(50_000);
        let p = price(&[line(2, 250_000)], Some(&gold), 100, 1);
        assert_eq!(p.subtotal, 500_000);
        assert_eq!(p.tier_discount, 20_000, "5 % is 25,000, capped at 20,000");
        assert_eq!(p.total, 480_000);
        assert_eq!(p.points_redeemed, 50, "50 points pay the 50,000 cap");
        assert_eq!(p.points_value, 50_000);
        assert_eq!(p.paid, 430_000);
    }

    #[test]
    fn points_never_pay_more_than_the_total() {
        let p = price(&[line(1, 1_500)], None, 10, 1);
        assert_eq!(p.points_redeemed, 1);
        assert_eq!(p.points_value, 1_000);
        assert_eq!(p.paid, 500);
        assert_eq!(points_value(1, 3), 333);
        assert_eq!(max_points_for(1_000, 3), 3);
    }
}
