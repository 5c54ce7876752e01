//! Stacking policy: whether the offer may touch lines that already carry a promotion
//! (flagged by the channel, or discounted by an earlier offer of the same checkout).
//! Lines it may not touch count neither for its conditions nor for its base.
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind};

const NAME: &str = "stacking";
const ARGS: &[ArgSpec] = &[ArgSpec {
    name: "applies_to_discounted",
    ty: ArgType::Boolean,
    required: false,
    description: "whether already-discounted lines count and can be discounted; default true",
}];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Whether the offer applies to items that already carry another promotion.",
    args: ARGS,
    build,
};

/// The stacking policy of one offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stacking {
    /// Already-discounted lines count and can be discounted.
    pub applies_to_discounted: bool,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    Ok(Box::new(Stacking {
        applies_to_discounted: args::boolean(NAME, a, "applies_to_discounted")?.unwrap_or(true),
    }))
}

impl DiscountRule for Stacking {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Scope
    }
    fn apply(&self, eval: &mut Evaluation<'_>) {
        if self.applies_to_discounted {
            return;
        }
        for (line, cart_line) in eval.lines.iter_mut().zip(&eval.cart.lines) {
            if cart_line.already_discounted || line.discounted_before {
                line.allowed = false;
            }
        }
    }
}
