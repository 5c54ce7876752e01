//! What starts a journey's message, and the N days some triggers take.
use crate::{DomainError, Result};

/// Longest N a trigger accepts, days.
pub const MAX_DAYS: i64 = 365;

/// A journey's trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// N days before the member's birthday (0: on the day), in the shop's zone; once a
    /// year.
    Birthday,
    /// N days before a lot of points expires; once per lot.
    PointsExpiring,
    /// The member moved to a higher tier; once per move.
    TierUp,
    /// The member moved to a lower tier; once per move.
    TierDown,
    /// N days after the member's last purchase, without another; once per lapse.
    NoPurchaseForDays,
    /// The member's first order; once.
    FirstOrder,
    /// The customer registered as a member; once.
    Registered,
}

impl Trigger {
    /// Every trigger.
    pub const ALL: [Trigger; 7] = [
        Trigger::Birthday,
        Trigger::PointsExpiring,
        Trigger::TierUp,
        Trigger::TierDown,
        Trigger::NoPurchaseForDays,
        Trigger::FirstOrder,
        Trigger::Registered,
    ];

    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Birthday => "BIRTHDAY",
            Trigger::PointsExpiring => "POINTS_EXPIRING",
            Trigger::TierUp => "TIER_UP",
            Trigger::TierDown => "TIER_DOWN",
            Trigger::NoPurchaseForDays => "NO_PURCHASE_FOR_DAYS",
            Trigger::FirstOrder => "FIRST_ORDER",
            Trigger::Registered => "REGISTERED",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(raw: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| DomainError::Internal(format!("journey trigger {raw}")))
    }

    /// The N a trigger runs with: `days` checked for the triggers that take it (BIRTHDAY
    /// and POINTS_EXPIRING default to 0 and 7, NO_PURCHASE_FOR_DAYS requires it), none
    /// for the others, which refuse it.
    pub fn days(self, days: Option<i64>) -> Result<Option<i64>> {
        let (default, least) = match self {
            Trigger::Birthday => (Some(0), 0),
            Trigger::PointsExpiring => (Some(7), 1),
            Trigger::NoPurchaseForDays => (None, 1),
            _ => {
                return match days {
                    None => Ok(None),
                    Some(_) => Err(DomainError::invalid(
                        "days",
                        format!("a {} journey takes no days", self.as_str()),
                    )),
                };
            }
        };
        let n = days.or(default).ok_or_else(|| {
            DomainError::invalid("days", format!("a {} journey needs days", self.as_str()))
        })?;
        if !(least..=MAX_DAYS).contains(&n) {
            return Err(DomainError::invalid(
                "days",
                format!("{least} to {MAX_DAYS} days"),
            ));
        }
        Ok(Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_days_are_checked_per_trigger() {
        for t in Trigger::ALL {
            assert_eq!(Trigger::parse(t.as_str()).ok(), Some(t));
        }
        assert_eq!(Trigger::Birthday.days(None).ok(), Some(Some(0)));
        assert_eq!(Trigger::PointsExpiring.days(None).ok(), Some(Some(7)));
        assert!(Trigger::NoPurchaseForDays.days(None).is_err());
        assert!(Trigger::NoPurchaseForDays.days(Some(0)).is_err());
        assert_eq!(
            Trigger::NoPurchaseForDays.days(Some(60)).ok(),
            Some(Some(60))
        );
        assert!(Trigger::TierUp.days(Some(3)).is_err());
        assert_eq!(Trigger::Registered.days(None).ok(), Some(None));
        assert!(Trigger::Birthday.days(Some(MAX_DAYS + 1)).is_err());
    }
}
