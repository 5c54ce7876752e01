//! Where a member's ranking spend moves and the tier is recomputed: on every order,
//! refund and cycle roll.
//!
//! A member carries the spend of the current cycle and of the one before; the tier is
//! the one reached by the larger of the two, so a tier earned in a cycle is kept through
//! the next and a cycle roll never demotes someone who qualified last cycle.
use super::policy::Policy;
use chrono::{DateTime, NaiveDate, Utc};
use loyalty_entities::member;

/// Moves the member's counters to the cycle containing `now`.
pub fn roll(policy: &Policy, row: &mut member::Model, now: DateTime<Utc>) {
    let current = policy.cycle_of(now, now);
    match row.cycle_start {
        Some(start) if start == current => {}
        None => row.cycle_start = Some(current),
        Some(start) => {
            row.prev_cycle_spend = if policy.previous_cycle(current) == Some(start) {
                row.ranking_spend
            } else {
                0
            };
            row.ranking_spend = 0;
            row.cycle_start = Some(current);
        }
    }
    retier(policy, row);
}

/// Sets the tier from the counters; only in an active program.
pub fn retier(policy: &Policy, row: &mut member::Model) {
    if policy.is_active() {
        let spend = row.ranking_spend.max(row.prev_cycle_spend);
        row.tier_id = policy.tier_for(spend).map(|t| t.id);
    }
}

/// Adds `delta` (negative for refunds) to the spend of the cycle that starts on `cycle`,
/// if that is the current or the previous cycle, and re-tiers. Returns whether it
/// counted. The member must have been rolled to `now` first.
pub fn add_spend(policy: &Policy, row: &mut member::Model, cycle: NaiveDate, delta: i64) -> bool {
    let counted = if row.cycle_start == Some(cycle) {
        row.ranking_spend = (row.ranking_spend + delta).max(0);
        true
    } else if row.cycle_start.and_then(|c| policy.previous_cycle(c)) == Some(cycle) {
        row.prev_cycle_spend = (row.prev_cycle_spend + delta).max(0);
        true
    } else {
        false
    };
    retier(policy, row);
    counted
}
