//! Membership tiers: the ladder's rows and their rules, the default ladder, and which
//! tier a ranking spend reaches. Below the program: the conversion from spend to ranking
//! points comes in as a number, and the services that change the ladder under the
//! program's lock are `program::ladder`.

pub mod assignment;
pub mod service;
pub mod tier;
pub mod validation;

pub use assignment::{effective_threshold, ranking_points, tier_for_spend};
pub use service::{insert_defaults, member_counts, ranked};
pub use tier::{Tier, TierInput};
