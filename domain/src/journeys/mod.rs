//! Automated journeys (issue 29 §2): a message a trigger sends each member at most once
//! per occurrence: one birthday a year, one reminder per expiring lot, one per tier
//! change, one win-back per lapse, one welcome, one thank-you for the first order.
//!
//! A journey owns a campaign of kind [`crate::campaigns::JOURNEY`]: its message, channel,
//! offer and attribution window, and its delivery rows, which the campaign workers claim,
//! send, retry, charge and report on exactly as for a broadcast. The [`scheduler`] (run
//! with the jobs) finds each journey's occurrences since its watermark and queues one
//! delivery per member and occurrence; the unique index on (shop, campaign, member,
//! occurrence) makes a second replica, a rerun or a catch-up after downtime harmless.
//! Between occurrences the campaign rests COMPLETED; queuing wakes it.

pub mod enqueue;
pub mod journey;
pub mod occurrences;
pub mod scheduler;
pub mod service;
pub mod spec;
pub mod trigger;

pub use crate::campaigns::occurrence_fields::OccurrenceFields;
pub use journey::{Journey, JourneyStatus};
pub use spec::JourneySpec;
pub use trigger::Trigger;
