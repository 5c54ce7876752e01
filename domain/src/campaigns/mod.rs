//! Broadcast campaigns: a message to an audience of members through one channel.
//!
//! A campaign is written as a DRAFT, scheduled or sent now; when sending starts its
//! recipients are frozen into one delivery row each. Those rows are the durable job
//! queue (see [`dispatch`]): workers claim them with a lease, send through the channel
//! and record the outcome, so a restart neither loses nor double-records a recipient.

pub mod audience;
pub mod campaign;
pub mod deliveries;
pub mod dispatch;
pub mod estimate;
pub mod message_price;
pub mod occurrence_fields;
pub mod profit;
pub mod recipients;
pub mod report;
pub mod retry;
pub mod service;
pub mod spec;
pub mod status;
pub mod top_up;

pub use campaign::Campaign;
pub use loyalty_entities::campaign_delivery::DeliveryStatus;
pub use spec::CampaignSpec;
pub use status::CampaignStatus;

/// The kind of a campaign a merchant writes and sends once.
pub const BROADCAST: &str = "BROADCAST";
/// The kind of the campaign an automated journey sends through: it stays open, and rests COMPLETED while nothing is queued.
pub const JOURNEY: &str = "JOURNEY";
