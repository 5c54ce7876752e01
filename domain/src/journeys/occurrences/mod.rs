//! Finding a journey's occurrences in a window of time: each finder reads stored facts
//! (birthdays, lots, the outbox's tier changes, last purchases, orders, registrations)
//! through an index that starts with the shop, never the order's hot path.
pub mod birthday;
pub mod expiring;
pub mod first_order;
pub mod registered;
pub mod tier;
pub mod winback;

use super::OccurrenceFields;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One occasion to message one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Who.
    pub member_id: Uuid,
    /// Which occasion, unique per member within the journey (`birthday:2027`).
    pub key: String,
    /// Template fields it adds.
    pub fields: OccurrenceFields,
}

impl Occurrence {
    /// An occurrence without fields of its own.
    pub fn plain(member_id: Uuid, key: String) -> Self {
        Self {
            member_id,
            key,
            fields: OccurrenceFields::default(),
        }
    }
}

/// The stretch of time a scan covers: occurrences after `from`, up to `to` (now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The previous scan's end.
    pub from: DateTime<Utc>,
    /// Now.
    pub to: DateTime<Utc>,
}
