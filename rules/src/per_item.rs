//! A fixed amount off each targeted unit, never more than the unit's price.
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Measure, Phase, RuleKind, to_vnd};
use rust_decimal::Decimal;

const NAME: &str = "fixed_per_item";
const ARGS: &[ArgSpec] = &[ArgSpec {
    name: "amount",
    ty: ArgType::Decimal,
    required: true,
    description: "VND off each targeted unit, whole and above 0",
}];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "A fixed amount off each targeted unit, at most its price.",
    args: ARGS,
    build,
};

/// A fixed amount per targeted unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerItem {
    /// VND per unit.
    pub amount: Decimal,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let amount = args::positive_vnd(NAME, "amount", args::required_decimal(NAME, a, "amount")?)?;
    Ok(Box::new(PerItem { amount }))
}

impl DiscountRule for PerItem {
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
        let amount = to_vnd(self.amount);
        for i in 0..eval.lines.len() {
            if eval.is_targeted(i) {
                let units = i64::from(eval.cart.lines[i].quantity);
                let line = &mut eval.lines[i];
                let room = line.remaining - line.discount;
                line.discount += amount.saturating_mul(units).min(room).max(0);
            }
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
        assert!(build(&a(json!({"amount": "120000"}))).is_ok());
        assert!(build(&a(json!({"amount": "0"}))).is_err());
    }
}
