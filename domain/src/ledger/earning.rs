//! How many reward points a paid amount earns (seed 000 s.3, seed 001 step 3).
use crate::limits::headroom;
use crate::program::Program;
use loyalty_rules::Earned;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// `floor(paid / spend per ranking point × reward rate % × tier multiplier)`.
///
/// One division at the end keeps the result exact whenever it is a whole number, so
/// 250,000 VND at 1,000 VND per point, 100 % and ×1.5 is 375 points, not 374. A result
/// beyond 64 bits saturates (then [`within_balance`] bounds what is credited).
pub fn points_for(paid: i64, program: &Program, multiplier: Decimal) -> i64 {
    points_on(Decimal::from(paid), program, multiplier)
}

/// What an order paying `paid` earns with the earning of the offers it applied: the
/// paid amount plus what the offers boost earns at the program's rate and the tier's
/// multiplier, floored once (×2 on half of 1,999 VND at 1,000 VND a point is 2 points,
/// not 1 + 1), then the offers' bonus points. Quotes and orders both count with this.
pub fn points_with_offers(
    paid: i64,
    offers: Earned,
    program: &Program,
    multiplier: Decimal,
) -> i64 {
    let base = if paid > 0 {
        points_on(
            Decimal::from(paid).saturating_add(offers.boosted_vnd.max(Decimal::ZERO)),
            program,
            multiplier,
        )
    } else {
        0
    };
    base.saturating_add(offers.bonus_points.max(0))
}

fn points_on(paid: Decimal, program: &Program, multiplier: Decimal) -> i64 {
    if paid <= Decimal::ZERO || program.spend_per_ranking_point <= Decimal::ZERO {
        return 0;
    }
    let numerator = paid
        .checked_mul(program.reward_rate_percent)
        .and_then(|n| n.checked_mul(multiplier));
    let denominator = program.spend_per_ranking_point * Decimal::ONE_HUNDRED;
    numerator
        .and_then(|n| n.checked_div(denominator))
        .map_or(Some(i64::MAX), |q| q.floor().to_i64())
        .unwrap_or(i64::MAX)
        .max(0)
}

/// What an order that earns `points` credits to a member holding `held` points (available
/// and pending) of whom it redeemed `redeemed`: all of them while the balance stays within
/// [`crate::limits::MAX_POINTS`], and no more. The rest is not credited, so that a member at
/// the bound can still order.
pub fn within_balance(points: i64, held: i64, redeemed: i64) -> i64 {
    points.clamp(0, headroom(held.saturating_sub(redeemed)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    fn program(spr: Decimal, rate: Decimal) -> Program {
        Program {
            spend_per_ranking_point: spr,
            reward_rate_percent: rate,
            ..Program::defaults(Uuid::nil())
        }
    }

    #[test]
    fn seed_examples() {
        let p = program(dec!(1000), dec!(100));
        assert_eq!(points_for(250_000, &p, dec!(1)), 250);
        assert_eq!(points_for(250_000, &p, dec!(1.5)), 375);
        assert_eq!(points_for(999, &p, dec!(1)), 0);
        assert_eq!(points_for(250_999, &p, dec!(1)), 250);
        let half = program(dec!(1000), dec!(50));
        assert_eq!(points_for(250_000, &half, dec!(1)), 125);
        let thirds = program(dec!(3), dec!(100));
        assert_eq!(points_for(9, &thirds, dec!(1)), 3);
        assert_eq!(points_for(0, &p, dec!(2)), 0);
        assert_eq!(points_for(-5, &p, dec!(2)), 0);
    }

    #[test]
    fn offers_add_boosted_spend_before_the_floor_and_bonus_points_after() {
        let p = program(dec!(1000), dec!(100));
        let with = |bonus: i64, boosted: Decimal| Earned {
            bonus_points: bonus,
            boosted_vnd: boosted,
        };
        assert_eq!(
            points_with_offers(1_999, with(0, dec!(999.5)), &p, dec!(1)),
            2
        );
        assert_eq!(
            points_with_offers(250_000, with(50, dec!(100000)), &p, dec!(1.5)),
            575
        );
        assert_eq!(
            points_with_offers(250_000, Earned::default(), &p, dec!(1)),
            250
        );
        assert_eq!(points_with_offers(0, with(50, dec!(0)), &p, dec!(1)), 50);
    }

    #[test]
    fn earnings_saturate_and_stop_at_the_balance_bound() {
        let tiny = program(dec!(0.0000000000000000000000000001), dec!(10000));
        assert_eq!(points_for(100_000_000_000, &tiny, dec!(100)), i64::MAX);
        let max = crate::limits::MAX_POINTS;
        assert_eq!(within_balance(i64::MAX, 0, 0), max);
        assert_eq!(within_balance(500, max - 100, 0), 100);
        assert_eq!(within_balance(500, max - 100, 400), 500);
        assert_eq!(within_balance(500, max + 7, 0), 0);
    }
}
