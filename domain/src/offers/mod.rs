//! Offers: their rule configuration, the registry that turns it into pricing rules, the
//! service that stores them, and their report.

pub mod automatic;
pub mod image;
pub mod limits;
pub mod offer;
pub mod reach;
pub mod registry;
pub mod report;
pub mod service;
pub mod spec;
pub mod usage;

pub use limits::OfferLimits;
pub use loyalty_entities::offer::OfferStatus;
pub use offer::Offer;
pub use reach::{Delivery, Reach};
pub use registry::{OfferConfig, RuleConfig, RuleRegistry, default_rules};
pub use report::{OfferReport, report};
pub use service::{archive, by_ids, create, get, list, update};
pub use spec::{DiscountKind, FixedPer, OfferSpec, TargetKind};
