//! Condition: at least N targeted units in the cart (a group's items count together).
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, SkipReason};

const NAME: &str = "min_quantity";
const ARGS: &[ArgSpec] = &[ArgSpec {
    name: "quantity",
    ty: ArgType::Integer,
    required: true,
    description: "targeted units needed, at least 1",
}];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Applies only when the cart has at least this many targeted units.",
    args: ARGS,
    build,
};

/// At least `quantity` targeted units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinQuantity {
    /// Units needed.
    pub quantity: u64,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let q = args::integer(NAME, a, "quantity")?.ok_or(RuleError::Missing {
        kind: NAME,
        arg: "quantity",
    })?;
    if !(1..=1_000_000).contains(&q) {
        return Err(RuleError::Invalid {
            kind: NAME,
            arg: "quantity",
            problem: format!("must be between 1 and 1,000,000, got {q}"),
        });
    }
    Ok(Box::new(MinQuantity { quantity: q as u64 }))
}

impl DiscountRule for MinQuantity {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Condition
    }
    fn apply(&self, eval: &mut Evaluation<'_>) {
        let have = eval.targeted_quantity();
        if have < self.quantity {
            eval.skip(SkipReason::MinQuantity {
                need: self.quantity,
                have,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantity_must_be_positive() {
        let a = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
        assert!(build(&a(json!({"quantity": 2}))).is_ok());
        assert!(build(&a(json!({"quantity": 0}))).is_err());
        assert!(build(&a(json!({"quantity": "2"}))).is_err());
    }
}
