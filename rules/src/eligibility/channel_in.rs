//! Eligibility: only for sales on these channels (POS only, say, to bring people into
//! the stores).
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, SkipReason};
use crate::shopper::Shopper;

const NAME: &str = "channel_in";

/// The channels orders come from, as the domain stores them (its `Channel` spells the
/// same; a domain test holds the two lists together).
pub const CHANNELS: [&str; 5] = ["WEB", "POS", "SOCIAL", "LIVESTREAM", "ADMIN"];

const ARGS: &[ArgSpec] = &[ArgSpec {
    name: "channels",
    ty: ArgType::Ids,
    required: true,
    description: "channels the offer is for: WEB, POS, SOCIAL, LIVESTREAM, ADMIN",
}];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Eligibility: only for sales on these channels.",
    args: ARGS,
    build,
};

/// Sales on these channels only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelIn {
    /// Channels, upper case.
    pub channels: Vec<&'static str>,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let names = args::ids(NAME, a, "channels")?.ok_or(RuleError::Missing {
        kind: NAME,
        arg: "channels",
    })?;
    let mut channels = Vec::new();
    for name in names {
        let c = CHANNELS
            .iter()
            .find(|c| c.eq_ignore_ascii_case(&name))
            .ok_or_else(|| RuleError::Invalid {
                kind: NAME,
                arg: "channels",
                problem: format!("'{name}' is not one of {}", CHANNELS.join(", ")),
            })?;
        if !channels.contains(c) {
            channels.push(*c);
        }
    }
    Ok(Box::new(ChannelIn { channels }))
}

impl DiscountRule for ChannelIn {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Eligibility
    }
    fn apply(&self, _: &mut Evaluation<'_>) {}
    fn admits(&self, shopper: &Shopper) -> Result<(), SkipReason> {
        if shopper
            .channel
            .as_deref()
            .is_some_and(|c| self.channels.contains(&c))
        {
            return Ok(());
        }
        Err(SkipReason::Other(format!(
            "for {} orders only",
            self.channels.join(" or ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn admits_the_named_channels_only() {
        let args = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
        let rule = build(&args(json!({"channels": ["pos", "POS", "Web"]}))).expect("valid");
        let on = |c: Option<&str>| Shopper {
            channel: c.map(str::to_owned),
            ..Shopper::unknown()
        };
        assert_eq!(rule.admits(&on(Some("POS"))), Ok(()));
        assert_eq!(rule.admits(&on(Some("WEB"))), Ok(()));
        let said = Err(SkipReason::Other("for POS or WEB orders only".into()));
        assert_eq!(rule.admits(&on(Some("SOCIAL"))), said);
        assert_eq!(rule.admits(&on(None)), said);
        assert!(build(&args(json!({"channels": ["SHOPEE"]}))).is_err());
    }
}
