//! Eligibility: only on the customer's first order (a welcome offer).
use crate::args::{self, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, SkipReason};
use crate::shopper::Shopper;

const NAME: &str = "first_order";

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Eligibility: only on the customer's first order.",
    args: &[],
    build,
};

/// The first order only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstOrder;

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, &[])?;
    Ok(Box::new(FirstOrder))
}

impl DiscountRule for FirstOrder {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Eligibility
    }
    fn apply(&self, _: &mut Evaluation<'_>) {}
    fn admits(&self, shopper: &Shopper) -> Result<(), SkipReason> {
        if shopper.first_order {
            Ok(())
        } else {
            Err(SkipReason::Other("first order only".to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_a_first_order_only() {
        let first = Shopper {
            first_order: true,
            ..Shopper::unknown()
        };
        assert_eq!(FirstOrder.admits(&first), Ok(()));
        assert_eq!(
            FirstOrder.admits(&Shopper::unknown()),
            Err(SkipReason::Other("first order only".into()))
        );
    }
}
