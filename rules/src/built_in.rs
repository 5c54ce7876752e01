//! The rule kinds this crate ships, in one list: the domain registers exactly these for
//! every shop, and the bench and the fuzz target build their offers from the same list,
//! so a kind added here is priced, measured and fuzzed alike.
use crate::earning::{bonus_points, points_multiplier};
use crate::eligibility::{birthday_month, channel_in, first_order, segment, tier_in, time_window};
use crate::{
    RuleKind, buy_x_get_y, fixed_per_order, min_quantity, min_value, per_item, percent, stacking,
    tiered,
};

/// Every built-in offer rule kind. The tier discount and points redemption are not
/// among them: they are steps of the checkout pipeline, not rules an offer configures
/// (see [`crate::tier_discount`] and [`crate::points_redemption`]).
pub const BUILT_IN_KINDS: &[RuleKind] = &[
    percent::KIND,
    fixed_per_order::KIND,
    per_item::KIND,
    min_quantity::KIND,
    min_value::KIND,
    stacking::KIND,
    buy_x_get_y::KIND,
    tiered::KIND,
    tier_in::KIND,
    segment::KIND,
    channel_in::KIND,
    time_window::KIND,
    first_order::KIND,
    birthday_month::KIND,
    bonus_points::KIND,
    points_multiplier::KIND,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_kind_has_its_own_name() {
        let names: HashSet<&str> = BUILT_IN_KINDS.iter().map(|k| k.kind).collect();
        assert_eq!(names.len(), BUILT_IN_KINDS.len());
    }
}
