//! What a merchant writes to create a journey, and its checks.
use super::Trigger;
use crate::Result;
use crate::campaigns::CampaignSpec;

/// A journey as written: its trigger, and the campaign part (name, audience, message,
/// offer, attribution window) that every occurrence sends.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneySpec {
    /// What starts a message.
    pub trigger: Trigger,
    /// The trigger's N days (see [`Trigger::days`]).
    pub days: Option<i64>,
    /// Name, audience, message and offer, checked as a campaign's.
    pub campaign: CampaignSpec,
}

impl JourneySpec {
    /// Checks everything that needs no database; returns the trimmed name, the
    /// attribution window and the trigger's days.
    pub async fn check(&self) -> Result<(String, i64, Option<i64>)> {
        let days = self.trigger.days(self.days)?;
        let (name, window) = self.campaign.check().await?;
        Ok((name, window, days))
    }
}
