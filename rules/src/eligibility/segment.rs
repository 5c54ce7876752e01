//! Eligibility: only for customers in one of these saved segments. Membership is
//! evaluated by the domain once per checkout, and only for the segments an offer of the
//! checkout names (see [`DiscountRule::segments`]).
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, SkipReason};
use crate::shopper::Shopper;

const NAME: &str = "segment";
const ARGS: &[ArgSpec] = &[ArgSpec {
    name: "segments",
    ty: ArgType::Ids,
    required: true,
    description: "ids of saved segments; the customer must match one",
}];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Eligibility: only for customers in one of these saved segments.",
    args: ARGS,
    build,
};

/// Customers of these segments only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Segment ids.
    pub segments: Vec<String>,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let segments = args::ids(NAME, a, "segments")?.ok_or(RuleError::Missing {
        kind: NAME,
        arg: "segments",
    })?;
    Ok(Box::new(Segment { segments }))
}

impl DiscountRule for Segment {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Eligibility
    }
    fn apply(&self, _: &mut Evaluation<'_>) {}
    fn segments(&self) -> &[String] {
        &self.segments
    }
    fn admits(&self, shopper: &Shopper) -> Result<(), SkipReason> {
        // In the offer's order, so the reason reads the same however they were looked up.
        let known: Vec<_> = self
            .segments
            .iter()
            .filter_map(|id| shopper.segments.iter().find(|s| s.id == *id))
            .collect();
        if known.iter().any(|s| s.member) {
            return Ok(());
        }
        // A segment deleted since the offer was made matches no one.
        if known.is_empty() {
            return Err(SkipReason::Other(
                "for a customer segment that no longer exists".to_owned(),
            ));
        }
        let names: Vec<&str> = known.iter().map(|s| s.name.as_str()).collect();
        Err(SkipReason::Other(format!(
            "for customers in segment {}",
            names.join(" or ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopper::SegmentMembership;
    use serde_json::json;

    #[test]
    fn admits_members_of_a_named_segment() {
        let rule = build(
            json!({"segments": ["s1", "s2"]})
                .as_object()
                .unwrap_or(&Args::new()),
        )
        .expect("valid");
        assert_eq!(rule.segments(), ["s1", "s2"]);
        let of = |member: bool| Shopper {
            segments: vec![SegmentMembership {
                id: "s2".into(),
                name: "VIP".into(),
                member,
            }],
            ..Shopper::unknown()
        };
        assert_eq!(rule.admits(&of(true)), Ok(()));
        assert_eq!(
            rule.admits(&of(false)),
            Err(SkipReason::Other("for customers in segment VIP".into()))
        );
        assert_eq!(
            rule.admits(&Shopper::unknown()),
            Err(SkipReason::Other(
                "for a customer segment that no longer exists".into()
            ))
        );
    }
}
