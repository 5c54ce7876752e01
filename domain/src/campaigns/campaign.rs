//! A campaign as the services and the API see it.
use super::CampaignStatus;
use crate::members::filter::MemberFilter;
use crate::messaging::{ChannelKind, Content};
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::campaign;
use uuid::Uuid;

/// A broadcast campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// The channel.
    pub channel: ChannelKind,
    /// Where it stands.
    pub status: CampaignStatus,
    /// Why it stopped, when it did.
    pub status_reason: Option<String>,
    /// Who gets it.
    pub audience: MemberFilter,
    /// The message.
    pub content: Content,
    /// Offer whose voucher rides in each message.
    pub offer_id: Option<Uuid>,
    /// Attribution window, days.
    pub attribution_days: i64,
    /// Also reaches customers who are not registered members (see [`super::audience`]).
    pub include_non_members: bool,
    /// When it is to start.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When sending started (recipients frozen).
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed or was cancelled.
    pub finished_at: Option<DateTime<Utc>>,
    /// When a quota stop ends.
    pub resume_at: Option<DateTime<Utc>>,
    /// Frozen recipients, skipped ones included.
    pub recipients: i64,
    /// Recipients without an address on the channel.
    pub skipped: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Campaign {
    /// Reads a stored row.
    pub fn from_row(row: campaign::Model) -> Result<Self> {
        let bad = |what: &str, e: serde_json::Error| {
            DomainError::Internal(format!("stored campaign {what}: {e}"))
        };
        Ok(Self {
            channel: ChannelKind::parse(&row.channel)?,
            status: CampaignStatus::parse(&row.status)?,
            audience: serde_json::from_str(&row.audience).map_err(|e| bad("audience", e))?,
            content: serde_json::from_str(&row.content).map_err(|e| bad("content", e))?,
            id: row.id,
            name: row.name,
            status_reason: row.status_reason,
            offer_id: row.offer_id,
            attribution_days: row.attribution_days,
            include_non_members: row.include_non_members,
            scheduled_at: row.scheduled_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
            resume_at: row.resume_at,
            recipients: row.recipients,
            skipped: row.skipped,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
