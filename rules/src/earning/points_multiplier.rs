//! Earning: ×N points on what the customer pays for the offer's target (a product, a
//! group, or the order), optionally only within a window of shop time.
//!
//! Multipliers of several offers add their extras (two ×2 offers on one product earn
//! ×3), as their discounts add: each offer gives its own.
use super::{EarnBase, Earned};
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::eligibility::window::{self, Window};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, SkipReason};
use crate::shopper::Shopper;
use crate::target::Target;
use rust_decimal::Decimal;

const NAME: &str = "points_multiplier";
/// The largest multiplier: beyond it a typo ("20" for "2.0") is more likely than intent.
pub const MAX_MULTIPLIER: Decimal = Decimal::TEN;

const ARGS: &[ArgSpec] = &[
    ArgSpec {
        name: "multiplier",
        ty: ArgType::Decimal,
        required: true,
        description: "points on the target's paid share are multiplied by this: above 1, at most 10, at most 2 decimals",
    },
    window::ARGS[0],
    window::ARGS[1],
    window::ARGS[2],
    window::ARGS[3],
    window::ARGS[4],
];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Earning: ×N points on what the customer pays for the offer's target, optionally only within a window of shop time (the time_window arguments).",
    args: ARGS,
    build,
};

/// ×N on the target's paid share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsMultiplier {
    /// N.
    pub multiplier: Decimal,
    /// When it holds; `None`: always.
    pub window: Option<Window>,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let m = args::required_decimal(NAME, a, "multiplier")?;
    if m <= Decimal::ONE || m > MAX_MULTIPLIER || m.normalize().scale() > 2 {
        return Err(RuleError::Invalid {
            kind: NAME,
            arg: "multiplier",
            problem: format!("must be above 1 and at most 10, with at most 2 decimals, got {m}"),
        });
    }
    Ok(Box::new(PointsMultiplier {
        multiplier: m,
        window: Window::from_args(NAME, a)?,
    }))
}

impl DiscountRule for PointsMultiplier {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Earning
    }
    fn apply(&self, _: &mut Evaluation<'_>) {}
    fn earns_now(&self, shopper: &Shopper) -> Result<(), SkipReason> {
        match &self.window {
            Some(w) => w.check(shopper.local_time).map_err(|why| {
                SkipReason::Other(format!("×{} points {why}", self.multiplier.normalize()))
            }),
            None => Ok(()),
        }
    }
    fn earn(&self, base: &EarnBase<'_>, target: &Target) -> Earned {
        if self.earns_now(base.shopper).is_err() {
            return Earned::default();
        }
        let share: i64 = base
            .cart
            .lines
            .iter()
            .zip(base.paid)
            .filter(|(l, _)| target.matches(l))
            .map(|(_, p)| *p)
            .fold(0, i64::saturating_add);
        Earned {
            bonus_points: 0,
            boosted_vnd: Decimal::from(share).saturating_mul(self.multiplier - Decimal::ONE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::{Cart, CartLine};
    use serde_json::json;

    fn args(v: serde_json::Value) -> Args {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn boosts_the_targets_paid_share_within_its_window() {
        let line = |p: &str| CartLine {
            product_id: p.into(),
            group_ids: vec![],
            quantity: 1,
            unit_price: 100_000.into(),
            already_discounted: false,
        };
        let cart = Cart {
            lines: vec![line("A"), line("B")],
        };
        let sunday = Shopper {
            local_time: chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
                .and_then(|d| d.and_hms_opt(10, 0, 0)),
            ..Shopper::unknown()
        };
        let base = EarnBase {
            cart: &cart,
            paid: &[90_000, 100_000],
            shopper: &sunday,
        };
        let a = Target::Products(vec!["A".into()]);
        let x3 = build(&args(json!({"multiplier": "3"}))).expect("valid");
        assert_eq!(x3.earn(&base, &a).boosted_vnd, Decimal::from(180_000));
        let sundays = build(&args(json!({"multiplier": "2", "weekdays": ["SUN"]}))).expect("valid");
        assert_eq!(sundays.earn(&base, &a).boosted_vnd, Decimal::from(90_000));
        let mondays = build(&args(json!({"multiplier": "2", "weekdays": ["MON"]}))).expect("valid");
        assert_eq!(mondays.earn(&base, &a), Earned::default());
        assert_eq!(
            mondays.earns_now(&sunday),
            Err(SkipReason::Other("×2 points Mondays only".into()))
        );
        for bad in ["1", "0.5", "10.5", "1.255"] {
            assert!(build(&args(json!({"multiplier": bad}))).is_err(), "{bad}");
        }
    }
}
