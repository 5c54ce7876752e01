//! Eligibility: only for customers whose tier (the one whose benefits apply) is one of
//! these. Tiers are named by id or by name, so a merchant can write either.
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, SkipReason};
use crate::shopper::Shopper;

const NAME: &str = "tier_in";
const ARGS: &[ArgSpec] = &[ArgSpec {
    name: "tiers",
    ty: ArgType::Ids,
    required: true,
    description: "the tiers the offer is for, by id or name",
}];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Eligibility: only for customers in one of these tiers.",
    args: ARGS,
    build,
};

/// Customers of these tiers only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierIn {
    /// Tier ids or names.
    pub tiers: Vec<String>,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let tiers = args::ids(NAME, a, "tiers")?.ok_or(RuleError::Missing {
        kind: NAME,
        arg: "tiers",
    })?;
    Ok(Box::new(TierIn { tiers }))
}

impl DiscountRule for TierIn {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Eligibility
    }
    fn apply(&self, _: &mut Evaluation<'_>) {}
    fn admits(&self, shopper: &Shopper) -> Result<(), SkipReason> {
        let ok = shopper.tier.as_ref().is_some_and(|t| {
            self.tiers
                .iter()
                .any(|want| *want == t.id || want.eq_ignore_ascii_case(&t.name))
        });
        if ok {
            return Ok(());
        }
        let names: Vec<&str> = self.tiers.iter().map(|t| shopper.tier_name(t)).collect();
        Err(SkipReason::Other(format!(
            "for {} members",
            names.join(" or ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopper::TierRef;
    use serde_json::json;

    fn tier(id: &str, name: &str) -> TierRef {
        TierRef {
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn admits_the_named_tiers_by_id_or_name() {
        let rule = build(
            json!({"tiers": ["t-gold", "silver"]})
                .as_object()
                .unwrap_or(&Args::new()),
        )
        .expect("valid");
        let mut shopper = Shopper {
            tiers: vec![tier("t-gold", "Gold"), tier("t-silver", "Silver")],
            ..Shopper::unknown()
        };
        assert_eq!(
            rule.admits(&shopper),
            Err(SkipReason::Other("for Gold or Silver members".into()))
        );
        shopper.tier = Some(tier("t-gold", "Gold"));
        assert_eq!(rule.admits(&shopper), Ok(()));
        shopper.tier = Some(tier("t-silver", "Silver"));
        assert_eq!(rule.admits(&shopper), Ok(()));
        shopper.tier = Some(tier("t-bronze", "Bronze"));
        assert!(rule.admits(&shopper).is_err());
        assert!(build(&Args::new()).is_err());
    }
}
