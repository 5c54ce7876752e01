//! A journey as the services and the API see it.
use super::Trigger;
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::journey;
use uuid::Uuid;

/// Whether a journey queues messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JourneyStatus {
    /// Its occurrences are queued as they come.
    Active,
    /// Nothing is queued or sent; occurrences while paused are not caught up.
    Paused,
}

impl JourneyStatus {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Paused => "PAUSED",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(raw: &str) -> Result<Self> {
        match raw {
            "ACTIVE" => Ok(Self::Active),
            "PAUSED" => Ok(Self::Paused),
            other => Err(DomainError::Internal(format!("journey status {other}"))),
        }
    }
}

/// An automated journey.
#[derive(Debug, Clone, PartialEq)]
pub struct Journey {
    /// Its id.
    pub id: Uuid,
    /// The campaign its messages go out through (message, offer, deliveries, report).
    pub campaign_id: Uuid,
    /// Its name.
    pub name: String,
    /// What starts a message.
    pub trigger: Trigger,
    /// The trigger's N days, for those that take it.
    pub days: Option<i64>,
    /// Active or paused.
    pub status: JourneyStatus,
    /// Occurrences up to this instant have been queued.
    pub scanned_until: DateTime<Utc>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Journey {
    /// Reads a stored row.
    pub fn from_row(row: journey::Model) -> Result<Self> {
        Ok(Self {
            id: row.id,
            campaign_id: row.campaign_id,
            name: row.name,
            trigger: Trigger::parse(&row.trigger)?,
            days: row.days,
            status: JourneyStatus::parse(&row.status)?,
            scanned_until: row.scanned_until,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
