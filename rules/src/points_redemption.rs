//! Paying with points: `per_thousand` points pay 1,000 VND, capped by the tier's
//! redemption cap and by what is left to pay.
use crate::money::round_vnd;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Points used and the VND they pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redemption {
    /// Points actually used (never more than asked).
    pub points: i64,
    /// Their value, whole VND, at most the limit.
    pub value: Decimal,
}

/// The VND value of `points`, rounded half-up.
pub fn value_of(points: i64, per_thousand: i64) -> Decimal {
    if points <= 0 || per_thousand <= 0 {
        return Decimal::ZERO;
    }
    round_vnd(Decimal::from(points) * Decimal::from(1000) / Decimal::from(per_thousand))
}

/// Redeems up to `requested` points against `remaining` VND, at most `cap` VND.
pub fn redeem(
    requested: i64,
    per_thousand: i64,
    remaining: Decimal,
    cap: Option<Decimal>,
) -> Redemption {
    let limit = cap
        .map_or(remaining, |c| c.min(remaining))
        .max(Decimal::ZERO);
    let most = if per_thousand > 0 {
        (limit * Decimal::from(per_thousand) / Decimal::from(1000))
            .floor()
            .to_i64()
            .unwrap_or(i64::MAX)
    } else {
        0
    };
    let points = requested.clamp(0, most);
    Redemption {
        points,
        value: value_of(points, per_thousand).min(limit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn capped_by_cap_and_remaining() {
        assert_eq!(
            redeem(100, 1, dec!(480000), Some(dec!(50000))),
            Redemption {
                points: 50,
                value: dec!(50000)
            }
        );
        assert_eq!(
            redeem(10, 1, dec!(1500), None),
            Redemption {
                points: 1,
                value: dec!(1000)
            }
        );
        assert_eq!(
            redeem(500, 2, dec!(100000), Some(dec!(30000))),
            Redemption {
                points: 60,
                value: dec!(30000)
            }
        );
        assert_eq!(
            redeem(1, 3, dec!(10000), None),
            Redemption {
                points: 1,
                value: dec!(333)
            }
        );
        assert_eq!(redeem(-5, 1, dec!(10000), None).points, 0);
    }
}
