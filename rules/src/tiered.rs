//! Tiered discount: thresholds of spend (or of units) on the targeted items, each with
//! its discount; the highest threshold reached applies, to the targeted items.
//!
//! Merchants here write both "giảm 50K cho đơn từ 500K, 120K từ 1 triệu" (fixed amounts)
//! and "5 % từ 1 triệu, 10 % từ 2 triệu" (percents), so a step carries either a percent
//! or an amount, the same for every step of one offer. Thresholds strictly increase and
//! the discount never falls as they do: a higher step giving less is a typo, refused.
//! Spend is what is left of the targeted lines after earlier offers (what the customer
//! would pay for them), so two offers never count the same money twice.
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::money::round_vnd;
use crate::rule::{DiscountRule, Evaluation, Measure, Phase, RuleKind, SkipReason, to_vnd};
use rust_decimal::Decimal;
use serde_json::Value;

const NAME: &str = "tiered";
/// Most steps one offer may have.
pub const MAX_STEPS: usize = 20;
/// Most units a quantity threshold may name (as `min_quantity`).
const MAX_UNITS: i64 = 1_000_000;

const ARGS: &[ArgSpec] = &[
    ArgSpec {
        name: "steps",
        ty: ArgType::Steps,
        required: true,
        description: "1 to 20 steps [{\"min\": \"500000\", \"amount\": \"50000\"}, …] or [{\"min\": …, \"percent\": \"5\"}, …]: min (VND, or units with by_quantity) strictly increasing, every step a percent (above 0, at most 100) or every step an amount (whole VND above 0), never less than the step below",
    },
    ArgSpec {
        name: "by_quantity",
        ty: ArgType::Boolean,
        required: false,
        description: "thresholds count targeted units instead of their value; default false",
    },
];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Tiered discount: the highest threshold of targeted spend (or units) reached gives its percent or amount off the targeted items.",
    args: ARGS,
    build,
};

/// What one step takes off the targeted items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepDiscount {
    /// Percent of their value, rounded half-up.
    Percent(Decimal),
    /// A fixed amount, at most their value.
    Amount(Decimal),
}

/// One threshold and its discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// VND of targeted value (or targeted units) needed.
    pub min: Decimal,
    /// What it gives.
    pub discount: StepDiscount,
}

/// A tiered discount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiered {
    /// Thresholds, strictly increasing.
    pub steps: Vec<Step>,
    /// Thresholds count units instead of value.
    pub by_quantity: bool,
}

fn invalid(problem: String) -> RuleError {
    RuleError::Invalid {
        kind: NAME,
        arg: "steps",
        problem,
    }
}

fn step(n: usize, v: &Value, by_quantity: bool) -> Result<Step, RuleError> {
    let fields = v
        .as_object()
        .ok_or_else(|| invalid(format!("step {n} must be an object, got {v}")))?;
    if let Some(extra) = fields
        .keys()
        .find(|k| !["min", "percent", "amount"].contains(&k.as_str()))
    {
        return Err(invalid(format!("step {n}: unknown key '{extra}'")));
    }
    let read = |key: &str| {
        fields
            .get(key)
            .filter(|v| !v.is_null())
            .map(|v| args::decimal_value(v).map_err(|p| invalid(format!("step {n}: {key} {p}"))))
            .transpose()
    };
    let min = read("min")?.ok_or_else(|| invalid(format!("step {n}: min is required")))?;
    if min <= Decimal::ZERO || !min.fract().is_zero() {
        return Err(invalid(format!(
            "step {n}: min must be a whole number above 0, got {min}"
        )));
    }
    if by_quantity && min > Decimal::from(MAX_UNITS) {
        return Err(invalid(format!(
            "step {n}: min is at most 1,000,000 units, got {min}"
        )));
    }
    let discount = match (read("percent")?, read("amount")?) {
        (Some(p), None) if p > Decimal::ZERO && p <= Decimal::ONE_HUNDRED => {
            StepDiscount::Percent(p)
        }
        (Some(p), None) => {
            return Err(invalid(format!(
                "step {n}: percent must be above 0 and at most 100, got {p}"
            )));
        }
        (None, Some(a)) if a > Decimal::ZERO && a.fract().is_zero() => StepDiscount::Amount(a),
        (None, Some(a)) => {
            return Err(invalid(format!(
                "step {n}: amount must be a whole number of VND above 0, got {a}"
            )));
        }
        _ => {
            return Err(invalid(format!("step {n}: give either percent or amount")));
        }
    };
    Ok(Step { min, discount })
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let by_quantity = args::boolean(NAME, a, "by_quantity")?.unwrap_or(false);
    let list = match a.get("steps") {
        None | Some(Value::Null) => {
            return Err(RuleError::Missing {
                kind: NAME,
                arg: "steps",
            });
        }
        Some(Value::Array(list)) => list,
        Some(other) => return Err(invalid(format!("must be a list of steps, got {other}"))),
    };
    if list.is_empty() || list.len() > MAX_STEPS {
        return Err(invalid(format!(
            "must have 1 to {MAX_STEPS} steps, got {}",
            list.len()
        )));
    }
    let steps = list
        .iter()
        .enumerate()
        .map(|(i, v)| step(i + 1, v, by_quantity))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, pair) in steps.windows(2).enumerate() {
        let (lower, upper) = (pair[0], pair[1]);
        let n = i + 2;
        if upper.min <= lower.min {
            return Err(invalid(format!(
                "step {n}: min must be above the step before's ({} after {})",
                upper.min, lower.min
            )));
        }
        match (lower.discount, upper.discount) {
            (StepDiscount::Percent(l), StepDiscount::Percent(u))
            | (StepDiscount::Amount(l), StepDiscount::Amount(u)) => {
                if u < l {
                    return Err(invalid(format!(
                        "step {n}: gives less than the step before ({u} after {l})"
                    )));
                }
            }
            _ => {
                return Err(invalid(format!(
                    "step {n}: every step is a percent or every step an amount, not both"
                )));
            }
        }
    }
    Ok(Box::new(Tiered { steps, by_quantity }))
}

impl Tiered {
    /// The highest step `have` (VND or units) reaches.
    pub fn reached(&self, have: Decimal) -> Option<&Step> {
        self.steps.iter().rev().find(|s| s.min <= have)
    }
}

impl DiscountRule for Tiered {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Discount
    }
    fn measure(&self) -> Measure {
        Measure::Targeted
    }
    fn apply(&self, eval: &mut Evaluation<'_>) {
        let value = eval.targeted_value();
        let have = if self.by_quantity {
            Decimal::from(eval.targeted_quantity())
        } else {
            Decimal::from(value)
        };
        let Some(step) = self.reached(have) else {
            let first = self.steps[0].min;
            eval.skip(if self.by_quantity {
                SkipReason::MinQuantity {
                    need: to_vnd(first).max(0) as u64,
                    have: eval.targeted_quantity(),
                }
            } else {
                SkipReason::MinValue {
                    need: first,
                    have,
                    targeted: true,
                }
            });
            return;
        };
        let amount = match step.discount {
            StepDiscount::Percent(p) => {
                to_vnd(round_vnd(Decimal::from(value) * p / Decimal::ONE_HUNDRED))
            }
            StepDiscount::Amount(a) => to_vnd(a).min(value),
        };
        eval.spread_targeted(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::{Cart, CartLine};
    use crate::offer::{Offer, Outcome};
    use crate::target::Target;
    use serde_json::json;

    fn args(v: Value) -> Args {
        v.as_object().cloned().unwrap_or_default()
    }

    fn line(product: &str, quantity: u32, price: i64) -> CartLine {
        CartLine {
            product_id: product.into(),
            group_ids: vec![],
            quantity,
            unit_price: Decimal::from(price),
            already_discounted: false,
        }
    }

    fn offer(target: Target, a: Value) -> Offer {
        let rule = build(&args(a)).unwrap_or_else(|e| panic!("{e}"));
        Offer::new(target, vec![rule]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn amounts(outcome: Outcome) -> (i64, Vec<i64>) {
        match outcome {
            Outcome::Applied { amount, per_line } => {
                (to_vnd(amount), per_line.into_iter().map(to_vnd).collect())
            }
            Outcome::Skipped { reason } => panic!("skipped: {reason:?}"),
        }
    }

    #[test]
    fn validates_its_steps() {
        let ok = [
            json!({"steps": [{"min": "500000", "amount": "50000"}]}),
            json!({"steps": [{"min": 500000, "amount": 50000}, {"min": "1000000", "amount": "50000"}]}),
            json!({"steps": [{"min": 2, "percent": "5"}, {"min": 5, "percent": "12.5"}], "by_quantity": true}),
        ];
        for a in ok {
            assert!(build(&args(a.clone())).is_ok(), "{a}");
        }
        let bad = [
            (json!({}), "required"),
            (json!({"steps": []}), "1 to 20 steps"),
            (json!({"steps": {"min": 1}}), "list of steps"),
            (json!({"steps": [{"min": "0", "amount": "1"}]}), "above 0"),
            (json!({"steps": [{"min": "1.5", "amount": "1"}]}), "whole"),
            (json!({"steps": [{"amount": "1"}]}), "min is required"),
            (json!({"steps": [{"min": 1}]}), "either percent or amount"),
            (
                json!({"steps": [{"min": 1, "percent": "5", "amount": "5"}]}),
                "either",
            ),
            (
                json!({"steps": [{"min": 1, "percent": "101"}]}),
                "at most 100",
            ),
            (
                json!({"steps": [{"min": 1, "amount": "0.5"}]}),
                "whole number of VND",
            ),
            (
                json!({"steps": [{"min": 1, "amount": "5", "cap": 1}]}),
                "unknown key",
            ),
            (
                json!({"steps": [{"min": 5, "amount": "5"}, {"min": 5, "amount": "6"}]}),
                "above the step before",
            ),
            (
                json!({"steps": [{"min": 5, "amount": "5"}, {"min": 6, "amount": "4"}]}),
                "gives less",
            ),
            (
                json!({"steps": [{"min": 5, "amount": "5"}, {"min": 6, "percent": "4"}]}),
                "not both",
            ),
            (
                json!({"steps": [{"min": 2_000_000, "percent": "5"}], "by_quantity": true}),
                "1,000,000 units",
            ),
            (
                json!({"steps": [{"min": 1, "percent": "5"}], "by": "quantity"}),
                "unknown argument",
            ),
        ];
        for (a, says) in bad {
            let err = build(&args(a.clone())).err().map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains(says)),
                "{a}: {err:?}"
            );
        }
        let many: Vec<Value> = (1..=21).map(|i| json!({"min": i, "amount": i})).collect();
        assert!(build(&args(json!({ "steps": many }))).is_err());
    }

    #[test]
    fn the_highest_step_reached_applies_to_the_targeted_items() {
        let o = offer(
            Target::Products(vec!["A".into()]),
            json!({"steps": [{"min": "200000", "percent": "5"}, {"min": "500000", "percent": "10"}]}),
        );
        // A: 3 x 100,000 = 300,000 reaches the 5 % step: 15,000, all on A; C untouched.
        let cart = Cart {
            lines: vec![line("A", 3, 100_000), line("C", 10, 100_000)],
        };
        assert_eq!(amounts(o.evaluate(&cart)), (15_000, vec![15_000, 0]));
        // 6 x 100,000 = 600,000 reaches 10 %: 60,000.
        let cart = Cart {
            lines: vec![line("A", 6, 100_000)],
        };
        assert_eq!(amounts(o.evaluate(&cart)).0, 60_000);
        // Below the first step: the reason names the targeted value.
        let cart = Cart {
            lines: vec![line("A", 1, 100_000), line("C", 9, 100_000)],
        };
        let Outcome::Skipped { reason } = o.evaluate(&cart) else {
            panic!("applied below the first step")
        };
        assert_eq!(
            o.explain(&reason),
            "needs 200000 VND of product A value, cart has 100000"
        );
    }

    #[test]
    fn fixed_steps_are_spread_and_capped_by_quantity_too() {
        let o = offer(
            Target::Order,
            json!({"steps": [{"min": 2, "amount": "50000"}, {"min": 3, "amount": "500000"}], "by_quantity": true}),
        );
        // 2 units: 50,000 spread 2:1 over 100,000 and 50,000.
        let cart = Cart {
            lines: vec![line("A", 1, 100_000), line("B", 1, 50_000)],
        };
        assert_eq!(amounts(o.evaluate(&cart)), (50_000, vec![33_333, 16_667]));
        // 3 units: 500,000 is more than the 150,001 the items are worth.
        let cart = Cart {
            lines: vec![line("A", 2, 50_000), line("B", 1, 50_001)],
        };
        assert_eq!(amounts(o.evaluate(&cart)).0, 150_001);
        let cart = Cart {
            lines: vec![line("A", 1, 100_000)],
        };
        let Outcome::Skipped { reason } = o.evaluate(&cart) else {
            panic!("applied below the first step")
        };
        assert_eq!(o.explain(&reason), "needs 2 items, cart has 1");
    }
}
