//! `member.tier_changed` events with the tiers named as the policy has them.
use crate::events::Event;
use crate::events::payload::{TierChange, TierRef, tier_changed};
use crate::program::Policy;
use loyalty_entities::member;
use uuid::Uuid;

/// A tier as events name it.
pub fn tier_ref(policy: &Policy, id: Option<Uuid>) -> Option<TierRef> {
    policy.tier(id).map(|t| TierRef {
        id: t.id,
        name: t.name.clone(),
    })
}

/// The event of a move from tier `from` to the member's tier in `row`, if it moved.
pub fn moved(
    policy: &Policy,
    row: &member::Model,
    from: Option<Uuid>,
    why: TierChange,
) -> Option<Event> {
    (from != row.tier_id).then(|| {
        tier_changed(
            row,
            &tier_ref(policy, from),
            &tier_ref(policy, row.tier_id),
            why,
        )
    })
}
