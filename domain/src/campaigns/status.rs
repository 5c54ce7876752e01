//! Where a campaign stands, and which moves between states are allowed.
use crate::{DomainError, Result};

/// A campaign's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignStatus {
    /// Being written; may be edited.
    Draft,
    /// Waits for its time.
    Scheduled,
    /// Recipients frozen; messages going out.
    Sending,
    /// Stopped by the merchant; resumes on request.
    Paused,
    /// The messaging balance cannot pay the next message; resumes after a top-up.
    OutOfBalance,
    /// The provider's daily quota is used up; resumes the next day by itself.
    QuotaExhausted,
    /// Every recipient has an outcome.
    Completed,
    /// Stopped for good; unsent recipients are cancelled.
    Cancelled,
}

impl CampaignStatus {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Scheduled => "SCHEDULED",
            Self::Sending => "SENDING",
            Self::Paused => "PAUSED",
            Self::OutOfBalance => "OUT_OF_BALANCE",
            Self::QuotaExhausted => "QUOTA_EXHAUSTED",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(raw: &str) -> Result<Self> {
        Ok(match raw {
            "DRAFT" => Self::Draft,
            "SCHEDULED" => Self::Scheduled,
            "SENDING" => Self::Sending,
            "PAUSED" => Self::Paused,
            "OUT_OF_BALANCE" => Self::OutOfBalance,
            "QUOTA_EXHAUSTED" => Self::QuotaExhausted,
            "COMPLETED" => Self::Completed,
            "CANCELLED" => Self::Cancelled,
            other => return Err(DomainError::Internal(format!("campaign status {other}"))),
        })
    }

    /// Completed or cancelled: nothing more happens.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }

    /// States a merchant may pause.
    pub fn can_pause(self) -> bool {
        matches!(
            self,
            Self::Scheduled | Self::Sending | Self::OutOfBalance | Self::QuotaExhausted
        )
    }
}
