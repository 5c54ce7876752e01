//! Earning: fixed bonus points, once per order or per unit of the offer's target.
use super::{EarnBase, Earned};
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind};
use crate::target::Target;

const NAME: &str = "bonus_points";
/// Most bonus points one rule gives per order or per unit.
pub const MAX_POINTS: i64 = 1_000_000;

const ARGS: &[ArgSpec] = &[
    ArgSpec {
        name: "points",
        ty: ArgType::Integer,
        required: true,
        description: "bonus points, 1 to 1,000,000",
    },
    ArgSpec {
        name: "per_unit",
        ty: ArgType::Boolean,
        required: false,
        description: "per unit of the offer's target instead of once per order; default false",
    },
];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Earning: bonus points once per order, or per unit of the offer's target, when the offer applies.",
    args: ARGS,
    build,
};

/// Fixed bonus points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BonusPoints {
    /// Points.
    pub points: i64,
    /// Per targeted unit.
    pub per_unit: bool,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let points = args::integer(NAME, a, "points")?.ok_or(RuleError::Missing {
        kind: NAME,
        arg: "points",
    })?;
    if !(1..=MAX_POINTS).contains(&points) {
        return Err(RuleError::Invalid {
            kind: NAME,
            arg: "points",
            problem: format!("must be 1 to 1,000,000, got {points}"),
        });
    }
    Ok(Box::new(BonusPoints {
        points,
        per_unit: args::boolean(NAME, a, "per_unit")?.unwrap_or(false),
    }))
}

impl DiscountRule for BonusPoints {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Earning
    }
    fn apply(&self, _: &mut Evaluation<'_>) {}
    fn earn(&self, base: &EarnBase<'_>, target: &Target) -> Earned {
        let times = if self.per_unit {
            base.cart
                .lines
                .iter()
                .filter(|l| target.matches(l))
                .map(|l| i64::from(l.quantity))
                .fold(0, i64::saturating_add)
        } else {
            1
        };
        Earned {
            bonus_points: self.points.saturating_mul(times),
            ..Earned::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::{Cart, CartLine};
    use crate::shopper::Shopper;
    use serde_json::json;

    #[test]
    fn once_or_per_targeted_unit() {
        let line = |p: &str, q: u32| CartLine {
            product_id: p.into(),
            group_ids: vec![],
            quantity: q,
            unit_price: 1000.into(),
            already_discounted: false,
        };
        let cart = Cart {
            lines: vec![line("A", 3), line("B", 2)],
        };
        let base = EarnBase {
            cart: &cart,
            paid: &[3000, 2000],
            shopper: &Shopper::unknown(),
        };
        let args = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
        let a = Target::Products(vec!["A".into()]);
        let once = build(&args(json!({"points": 50}))).expect("valid");
        assert_eq!(once.earn(&base, &a).bonus_points, 50);
        let each = build(&args(json!({"points": 50, "per_unit": true}))).expect("valid");
        assert_eq!(each.earn(&base, &a).bonus_points, 150);
        assert_eq!(each.earn(&base, &Target::Order).bonus_points, 250);
        for bad in [
            json!({}),
            json!({"points": 0}),
            json!({"points": 1_000_001}),
        ] {
            assert!(build(&args(bad.clone())).is_err(), "{bad}");
        }
    }
}
