//! Earning kinds: what an applied offer adds to the points an order earns, worked out
//! after pricing from what the customer pays for each line. Rules state the extra as
//! fixed points and as paid VND that earns again; the domain turns paid VND into points
//! at the program's rate, so the rate lives in one place.
use crate::allocation::{LineEval, spread};
use crate::cart::Cart;
use crate::shopper::Shopper;
use rust_decimal::Decimal;

pub mod bonus_points;
pub mod points_multiplier;

/// What earning rules read once the order is priced.
#[derive(Debug, Clone, Copy)]
pub struct EarnBase<'a> {
    /// The cart.
    pub cart: &'a Cart,
    /// Per line: what the customer pays for it in money, VND (see [`paid_per_line`]).
    pub paid: &'a [i64],
    /// The checkout's customer and time (a multiplier may hold only at some hours).
    pub shopper: &'a Shopper,
}

/// Points an offer adds to an order's earning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Earned {
    /// Fixed points, credited as they are.
    pub bonus_points: i64,
    /// Paid VND that earns points once more at the program's rate (a ×3 on 100,000 VND
    /// is 200,000 here), so the order's points are floored once, on the sum.
    pub boosted_vnd: Decimal,
}

impl Earned {
    /// Both earnings together; saturating, since no real order comes near the bounds
    /// and earning must not panic on input.
    pub fn plus(self, other: Earned) -> Earned {
        Earned {
            bonus_points: self.bonus_points.saturating_add(other.bonus_points),
            boosted_vnd: self.boosted_vnd.saturating_add(other.boosted_vnd),
        }
    }
}

/// `paid` spread over the lines in proportion to what offers left of each (`left`,
/// VND): the tier discount and points pay for the order as a whole, so each line's part
/// of them follows its value. The parts add up to `paid` exactly.
pub fn paid_per_line(left: &[i64], paid: i64) -> Vec<i64> {
    let mut lines: Vec<LineEval> = left
        .iter()
        .map(|l| LineEval {
            remaining: (*l).max(0),
            discounted_before: false,
            allowed: true,
            matches: true,
            discount: 0,
        })
        .collect();
    spread(paid, &mut lines);
    lines.iter().map(|l| l.discount).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paid_follows_what_is_left_of_each_line() {
        assert_eq!(paid_per_line(&[300, 100], 200), vec![150, 50]);
        assert_eq!(paid_per_line(&[1, 1, 1], 2), vec![1, 1, 0]);
        assert_eq!(paid_per_line(&[0, 0], 0), vec![0, 0]);
        assert_eq!(paid_per_line(&[100, 0], 100), vec![100, 0]);
    }
}
