//! What a merchant writes to create or edit a campaign, and its checks.
use crate::members::filter::MemberFilter;
use crate::messaging::Content;
use crate::{DomainError, Result};
use uuid::Uuid;

/// Attribution window when none is given, days.
pub const DEFAULT_ATTRIBUTION_DAYS: i64 = 7;
/// Longest attribution window, days.
pub const MAX_ATTRIBUTION_DAYS: i64 = 90;

/// A campaign as written.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignSpec {
    /// Its name.
    pub name: String,
    /// Who gets it: a member filter, a segment (`segment_id`) or a saved filter.
    pub audience: MemberFilter,
    /// The message, which also picks the channel.
    pub content: Content,
    /// An offer a voucher of which each recipient gets with the message.
    pub offer_id: Option<Uuid>,
    /// Days after a message in which the recipient's orders count for the campaign.
    pub attribution_days: Option<i64>,
    /// Also reach customers who are not registered members when the program is for
    /// members only (see [`super::audience`]).
    pub include_non_members: bool,
}

impl CampaignSpec {
    /// Checks everything that needs no database (the templates on a render thread);
    /// returns the trimmed name and window.
    pub async fn check(&self) -> Result<(String, i64)> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(DomainError::invalid(
                "name",
                "a campaign name has 1 to 200 characters",
            ));
        }
        let days = self.attribution_days.unwrap_or(DEFAULT_ATTRIBUTION_DAYS);
        if !(1..=MAX_ATTRIBUTION_DAYS).contains(&days) {
            return Err(DomainError::invalid(
                "attributionDays",
                format!("1 to {MAX_ATTRIBUTION_DAYS} days"),
            ));
        }
        self.audience.validate()?;
        self.content.check().await?;
        Ok((name.to_owned(), days))
    }
}
