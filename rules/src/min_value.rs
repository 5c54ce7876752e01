//! Condition: at least this much value in the cart. Percent and once-per-order offers
//! measure the whole order; per-item offers measure the targeted items (see `Measure`).
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Measure, Phase, RuleKind, SkipReason};
use rust_decimal::Decimal;

const NAME: &str = "min_value";
const ARGS: &[ArgSpec] = &[ArgSpec {
    name: "amount",
    ty: ArgType::Decimal,
    required: true,
    description: "VND of value needed, whole and above 0",
}];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Applies only when the order (or, for per-item discounts, the targeted items) is worth at least this much.",
    args: ARGS,
    build,
};

/// At least `amount` VND of value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinValue {
    /// VND needed.
    pub amount: Decimal,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let amount = args::positive_vnd(NAME, "amount", args::required_decimal(NAME, a, "amount")?)?;
    Ok(Box::new(MinValue { amount }))
}

impl DiscountRule for MinValue {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Condition
    }
    fn apply(&self, eval: &mut Evaluation<'_>) {
        let targeted = eval.measure == Measure::Targeted;
        let have = if targeted {
            eval.targeted_value()
        } else {
            eval.order_value()
        };
        if Decimal::from(have) < self.amount {
            eval.skip(SkipReason::MinValue {
                need: self.amount,
                have: Decimal::from(have),
                targeted,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amount_must_be_positive() {
        let a = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
        assert!(build(&a(json!({"amount": "150000"}))).is_ok());
        assert!(build(&a(json!({"amount": "-150000"}))).is_err());
    }
}
