//! The rule registry: rule kinds by name, as offers store them (`{kind, args}`).
//!
//! Adding a rule kind is a new module in `rules/` and one line in
//! [`loyalty_rules::BUILT_IN_KINDS`], which [`default_rules`] registers.
use loyalty_rules::{BUILT_IN_KINDS, Offer, RuleError, RuleKind, Target};
use serde::{Deserialize, Serialize};

/// Rule kinds by name.
#[derive(Debug, Clone)]
pub struct RuleRegistry {
    kinds: Vec<RuleKind>,
}

/// The kinds every shop can use: the rules crate's built-in kinds.
pub fn default_rules() -> RuleRegistry {
    RuleRegistry::new(BUILT_IN_KINDS.to_vec())
}

/// One stored rule instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleConfig {
    /// The registered kind.
    pub kind: String,
    /// Its arguments.
    #[serde(default)]
    pub args: loyalty_rules::Args,
}

/// An offer's stored pricing configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferConfig {
    /// What it targets.
    pub target: Target,
    /// Its rules.
    pub rules: Vec<RuleConfig>,
}

impl RuleRegistry {
    /// A registry of `kinds`.
    pub fn new(kinds: Vec<RuleKind>) -> Self {
        Self { kinds }
    }

    /// A kind by name.
    pub fn get(&self, kind: &str) -> Option<&RuleKind> {
        self.kinds.iter().find(|k| k.kind == kind)
    }

    /// Every kind, for the admin API's list.
    pub fn kinds(&self) -> &[RuleKind] {
        &self.kinds
    }

    /// Builds the pricing offer from its stored configuration, validating every rule.
    pub fn build(&self, config: &OfferConfig) -> Result<Offer, RuleError> {
        let pairs: Vec<(String, loyalty_rules::Args)> = config
            .rules
            .iter()
            .map(|r| (r.kind.clone(), r.args.clone()))
            .collect();
        Offer::from_config(config.target.clone(), &pairs, |k| self.get(k))
    }
}
