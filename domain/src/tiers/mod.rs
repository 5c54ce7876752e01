//! Membership tiers: their rules, the default ladder, and where a member's tier is recomputed.

pub mod assignment;
pub mod cycle;
pub mod ranking;
pub mod service;
pub mod tier;
pub mod validation;

pub use assignment::{effective_threshold, ranking_points, recompute_all, tier_for_spend};
pub use service::{create, delete, insert_defaults, list, list_for, member_counts, update};
pub use tier::{Tier, TierInput};
