//! The reward catalog (seed 000 s.2, seed 004): members exchange points for a voucher of
//! an offer. A reward may be kept for some tiers and have a stock of redemptions.

pub mod catalog;
pub mod redeem;
pub mod reward;

pub use catalog::{archive, create, list, update};
pub use redeem::redeem;
pub use reward::{Reward, RewardSpec};
