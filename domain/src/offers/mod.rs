//! Offers: their rule configuration and the registry that turns it into pricing rules.

pub mod registry;
pub mod spec;

pub use registry::{OfferConfig, RuleConfig, RuleRegistry, default_rules};
pub use spec::{DiscountKind, FixedPer, OfferSpec, TargetKind};
