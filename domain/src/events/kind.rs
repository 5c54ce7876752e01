//! The types of events a shop can subscribe to.
use crate::{DomainError, Result};

/// What happened. The wire spelling ([`EventType::as_str`]) is the `type` of the
/// payload and what endpoints subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A customer became a registered member.
    MemberRegistered,
    /// A member moved to another tier (with from, to and why).
    MemberTierChanged,
    /// Points were credited for an order.
    PointsEarned,
    /// Points were spent (at checkout or on a reward).
    PointsRedeemed,
    /// Points expired.
    PointsExpired,
    /// Points were added or removed by hand (or in bulk).
    PointsAdjusted,
    /// A lot of points will expire soon.
    PointsExpiringSoon,
    /// An order was recorded.
    OrderRecorded,
    /// An order was refunded, wholly or in part.
    OrderRefunded,
    /// A voucher was issued to a member.
    VoucherIssued,
    /// A voucher was used by an order.
    VoucherUsed,
    /// A campaign finished sending.
    CampaignCompleted,
    /// A bulk job finished.
    BulkJobCompleted,
}

impl EventType {
    /// Every type, in the order the README lists them.
    pub const ALL: [EventType; 13] = [
        EventType::MemberRegistered,
        EventType::MemberTierChanged,
        EventType::PointsEarned,
        EventType::PointsRedeemed,
        EventType::PointsExpired,
        EventType::PointsAdjusted,
        EventType::PointsExpiringSoon,
        EventType::OrderRecorded,
        EventType::OrderRefunded,
        EventType::VoucherIssued,
        EventType::VoucherUsed,
        EventType::CampaignCompleted,
        EventType::BulkJobCompleted,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::MemberRegistered => "member.registered",
            EventType::MemberTierChanged => "member.tier_changed",
            EventType::PointsEarned => "points.earned",
            EventType::PointsRedeemed => "points.redeemed",
            EventType::PointsExpired => "points.expired",
            EventType::PointsAdjusted => "points.adjusted",
            EventType::PointsExpiringSoon => "points.expiring_soon",
            EventType::OrderRecorded => "order.recorded",
            EventType::OrderRefunded => "order.refunded",
            EventType::VoucherIssued => "voucher.issued",
            EventType::VoucherUsed => "voucher.used",
            EventType::CampaignCompleted => "campaign.completed",
            EventType::BulkJobCompleted => "bulk_job.completed",
        }
    }

    /// Reads a wire spelling; `field` names the input for the error.
    pub fn parse(field: &str, raw: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw.trim())
            .ok_or_else(|| {
                DomainError::invalid(
                    field,
                    format!(
                        "'{raw}' is not an event type; known: {}",
                        Self::ALL.map(EventType::as_str).join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_from_its_spelling_and_others_are_refused() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse("events", t.as_str()).ok(), Some(t));
        }
        let e = EventType::parse("events", "order.created");
        assert!(
            matches!(e, Err(DomainError::InvalidInput { field: Some(f), .. }) if f == "events")
        );
    }
}
