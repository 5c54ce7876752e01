//! Paying with points: at a [`PointRate`] (so many points pay so many VND), capped by
//! the tier's redemption cap and by what is left to pay.
use crate::money::round_vnd;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// What points pay at checkout: `points` points pay `vnd` VND.
///
/// A ratio rather than a VND value per point, so that a value that does not terminate
/// as a decimal (1,000 VND for 3 points, or a reward point's value of 100,000 VND for
/// 150 points) prices every redemption exactly: the product is taken first and divided
/// last, then rounded to whole VND once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointRate {
    /// Points of the ratio.
    pub points: Decimal,
    /// VND they pay.
    pub vnd: Decimal,
}

impl PointRate {
    /// `points` points pay 1,000 VND.
    pub fn per_thousand(points: i64) -> Self {
        Self {
            points: Decimal::from(points),
            vnd: Decimal::from(1000),
        }
    }

    /// Whether points pay anything at this rate.
    pub fn pays(&self) -> bool {
        self.points > Decimal::ZERO && self.vnd > Decimal::ZERO
    }

    /// VND one point pays: exact when it terminates, otherwise to Decimal's 28
    /// significant digits. `None` when points pay nothing.
    pub fn point_value(&self) -> Option<Decimal> {
        if !self.pays() {
            return None;
        }
        self.vnd.checked_div(self.points).map(|v| v.normalize())
    }
}

/// Points used and the VND they pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redemption {
    /// Points actually used (never more than asked).
    pub points: i64,
    /// Their value, whole VND, at most the limit.
    pub value: Decimal,
}

/// The VND value of `points` at `rate`, rounded half-up.
pub fn value_of(points: i64, rate: PointRate) -> Decimal {
    if points <= 0 || !rate.pays() {
        return Decimal::ZERO;
    }
    // Past Decimal's range the value is more than any order: the callers cap it.
    Decimal::from(points)
        .checked_mul(rate.vnd)
        .and_then(|v| v.checked_div(rate.points))
        .map_or(Decimal::MAX, round_vnd)
}

/// Redeems up to `requested` points against `remaining` VND, at most `cap` VND.
pub fn redeem(
    requested: i64,
    rate: PointRate,
    remaining: Decimal,
    cap: Option<Decimal>,
) -> Redemption {
    let limit = cap
        .map_or(remaining, |c| c.min(remaining))
        .max(Decimal::ZERO);
    let most = if rate.pays() {
        limit
            .checked_mul(rate.points)
            .and_then(|v| v.checked_div(rate.vnd))
            .map_or(Some(i64::MAX), |v| v.floor().to_i64())
            .unwrap_or(i64::MAX)
    } else {
        0
    };
    let points = requested.clamp(0, most);
    Redemption {
        points,
        value: value_of(points, rate).min(limit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn per(points: i64) -> PointRate {
        PointRate::per_thousand(points)
    }

    #[test]
    fn capped_by_cap_and_remaining() {
        assert_eq!(
            redeem(100, per(1), dec!(480000), Some(dec!(50000))),
            Redemption {
                points: 50,
                value: dec!(50000)
            }
        );
        assert_eq!(
            redeem(10, per(1), dec!(1500), None),
            Redemption {
                points: 1,
                value: dec!(1000)
            }
        );
        assert_eq!(
            redeem(500, per(2), dec!(100000), Some(dec!(30000))),
            Redemption {
                points: 60,
                value: dec!(30000)
            }
        );
        assert_eq!(
            redeem(1, per(3), dec!(10000), None),
            Redemption {
                points: 1,
                value: dec!(333)
            }
        );
        assert_eq!(redeem(-5, per(1), dec!(10000), None).points, 0);
    }

    #[test]
    fn a_value_that_does_not_terminate_prices_exactly() {
        // 150 points pay 100,000 VND: one point is 666.66... VND.
        let rate = PointRate {
            points: dec!(150),
            vnd: dec!(100000),
        };
        assert_eq!(value_of(1, rate), dec!(667));
        assert_eq!(value_of(3, rate), dec!(2000));
        assert_eq!(value_of(150, rate), dec!(100000));
        // Half a VND rounds up: 3 points at 1,000 VND for 6,000 points.
        assert_eq!(value_of(3, per(6000)), dec!(1));
        assert_eq!(
            redeem(10, rate, dec!(2000), None),
            Redemption {
                points: 3,
                value: dec!(2000)
            }
        );
        assert_eq!(
            rate.point_value(),
            Some(dec!(666.66666666666666666666666667))
        );
    }

    #[test]
    fn a_rate_that_pays_nothing_redeems_nothing() {
        let none = PointRate {
            points: Decimal::ZERO,
            vnd: dec!(100),
        };
        assert_eq!(redeem(10, none, dec!(1000), None).points, 0);
        assert_eq!(value_of(10, none), Decimal::ZERO);
        assert_eq!(none.point_value(), None);
    }
}
