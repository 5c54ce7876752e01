//! A fixed amount off, once per order, never more than the order is worth.
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, to_vnd};
use rust_decimal::Decimal;

const NAME: &str = "fixed_per_order";
const ARGS: &[ArgSpec] = &[ArgSpec {
    name: "amount",
    ty: ArgType::Decimal,
    required: true,
    description: "VND off the order, whole and above 0",
}];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "A fixed amount off once per order, at most the order total.",
    args: ARGS,
    build,
};

/// A fixed amount once per order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedPerOrder {
    /// VND.
    pub amount: Decimal,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let amount = args::positive_vnd(NAME, "amount", args::required_decimal(NAME, a, "amount")?)?;
    Ok(Box::new(FixedPerOrder { amount }))
}

impl DiscountRule for FixedPerOrder {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Discount
    }
    fn apply(&self, eval: &mut Evaluation<'_>) {
        eval.spread(to_vnd(self.amount));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amount_must_be_whole_and_positive() {
        let a = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
        assert!(build(&a(json!({"amount": "20000"}))).is_ok());
        assert!(build(&a(json!({"amount": 20000}))).is_ok());
        assert!(build(&a(json!({"amount": "-1"}))).is_err());
        assert!(build(&a(json!({"amount": "0.5"}))).is_err());
        assert!(build(&a(json!({}))).is_err());
    }
}
