//! Who a campaign reaches: its audience, and in a program for registered members only
//! (`program::Enrollment::MembersOnly`), only the registered ones among it, unless the
//! campaign includes non-members (an invitation to register, say).
use super::Campaign;
use crate::Result;
use crate::members::filter::MemberFilter;
use crate::program::{self, Enrollment};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// The members an audience reaches under `enrollment`; `None` when it reaches nobody
/// (an audience of unregistered customers only, in a program of members only).
pub fn reach(
    audience: &MemberFilter,
    include_non_members: bool,
    enrollment: Enrollment,
) -> Option<MemberFilter> {
    if include_non_members || enrollment == Enrollment::AllCustomers {
        return Some(audience.clone());
    }
    // Both conditions hold at once: "not registered" and "registered" meet nowhere. A
    // saved filter or segment of unregistered customers meets it in SQL the same way.
    match audience.registered {
        Some(false) => None,
        _ => Some(MemberFilter {
            registered: Some(true),
            ..audience.clone()
        }),
    }
}

/// The members `campaign` reaches now, by the shop's program as stored.
pub async fn reached<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    campaign: &Campaign,
) -> Result<Option<MemberFilter>> {
    let program = program::load(conn, shop_id).await?;
    Ok(reach(
        &campaign.audience,
        campaign.include_non_members,
        program.enrollment,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_only_narrows_an_audience_to_registered_members() {
        let all = MemberFilter::default();
        let reached = reach(&all, false, Enrollment::MembersOnly);
        assert_eq!(reached.and_then(|f| f.registered), Some(true));
        assert_eq!(
            reach(&all, true, Enrollment::MembersOnly),
            Some(all.clone())
        );
        assert_eq!(reach(&all, false, Enrollment::AllCustomers), Some(all));
    }

    #[test]
    fn an_audience_of_non_members_reaches_nobody_unless_it_includes_them() {
        let outside = MemberFilter {
            registered: Some(false),
            ..Default::default()
        };
        assert_eq!(reach(&outside, false, Enrollment::MembersOnly), None);
        assert_eq!(
            reach(&outside, true, Enrollment::MembersOnly),
            Some(outside.clone())
        );
    }
}
