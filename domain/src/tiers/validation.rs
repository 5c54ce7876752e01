//! The seed's rules for a tier, checked before anything is written. Pure.
use super::{Tier, TierInput, ranking_points};
use crate::limits::{MAX_RANKING_POINTS, MAX_SPEND_VND, at_most, grouped};
use crate::money::{non_negative_vnd, vnd_from_decimal};
use crate::{DomainError, Result};
use rust_decimal::Decimal;
use uuid::Uuid;

/// Applies `input` over `current` (or the defaults for a new tier) and checks the result
/// against the shop's `others`: thresholds strictly increase with rank (so no two are
/// equal), the initial tier's threshold stays 0, names are unique, and a discount cap
/// needs a discount above 0 %.
pub fn validate(input: &TierInput, current: Option<&Tier>, others: &[Tier]) -> Result<Tier> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(DomainError::invalid(
            "name",
            "a tier name has 1 to 60 characters",
        ));
    }
    if others
        .iter()
        .any(|t| t.name.to_lowercase() == name.to_lowercase())
    {
        return Err(DomainError::invalid(
            "name",
            format!("a tier named '{name}' already exists"),
        ));
    }
    let min_spend = at_most(
        "minSpend",
        non_negative_vnd("minSpend", input.min_spend)?,
        MAX_SPEND_VND,
    )?;
    let is_initial = current.is_some_and(|t| t.is_initial);
    if is_initial && min_spend != 0 {
        return Err(DomainError::invalid(
            "minSpend",
            "the initial tier's threshold is fixed at 0",
        ));
    }
    if !is_initial && min_spend == 0 {
        return Err(DomainError::invalid(
            "minSpend",
            "only the initial tier starts at 0: thresholds strictly increase with rank",
        ));
    }
    if let Some(clash) = others.iter().find(|t| t.min_spend == min_spend) {
        return Err(DomainError::invalid(
            "minSpend",
            format!(
                "tier '{}' already starts at {min_spend} VND: thresholds strictly increase with rank",
                clash.name
            ),
        ));
    }

    let base = current
        .cloned()
        .unwrap_or_else(|| Tier::plain(Uuid::nil(), "", 0, false));
    let discount_percent = input.discount_percent.unwrap_or(base.discount_percent);
    if discount_percent < Decimal::ZERO || discount_percent > Decimal::ONE_HUNDRED {
        return Err(DomainError::invalid(
            "discountPercent",
            "must be between 0 and 100",
        ));
    }
    let discount_cap = match input.discount_cap {
        None => base.discount_cap,
        Some(None) => None,
        Some(Some(cap)) => Some(positive_vnd("discountCap", cap)?),
    };
    if discount_cap.is_some() && discount_percent.is_zero() {
        return Err(DomainError::invalid(
            "discountCap",
            "a 0 % discount cannot have a cap",
        ));
    }
    let point_multiplier = input.point_multiplier.unwrap_or(base.point_multiplier);
    if point_multiplier < Decimal::ZERO || point_multiplier > Decimal::ONE_HUNDRED {
        return Err(DomainError::invalid(
            "pointMultiplier",
            "must be between 0 and 100",
        ));
    }
    let redeem_cap = match input.redeem_cap {
        None => base.redeem_cap,
        Some(None) => None,
        Some(Some(cap)) => Some(non_negative_vnd("redeemCap", cap)?),
    };
    Ok(Tier {
        name,
        min_spend,
        discount_percent: discount_percent.normalize(),
        discount_cap,
        point_multiplier: point_multiplier.normalize(),
        redeem_cap,
        combines_with_promotions: input
            .combines_with_promotions
            .unwrap_or(base.combines_with_promotions),
        is_initial,
        ..base
    })
}

/// Refuses a threshold of `min_spend` VND that needs more than [`MAX_RANKING_POINTS`]
/// ranking points at `spend_per_ranking_point` VND each (the program's conversion):
/// `Tier.minRankingPoints` is a GraphQL `Int`. `field` is the input to blame
/// (`minSpend`, or `spendPerRankingPoint` when the conversion changes).
pub fn within_ranking_bound(
    field: &str,
    min_spend: i64,
    spend_per_ranking_point: Decimal,
) -> Result<()> {
    let points = ranking_points(min_spend, spend_per_ranking_point);
    if points > MAX_RANKING_POINTS {
        return Err(DomainError::invalid(
            field,
            format!(
                "a tier threshold is at most {} ranking points; {min_spend} VND at {} VND per ranking point is {points}",
                grouped(MAX_RANKING_POINTS),
                spend_per_ranking_point.normalize(),
            ),
        ));
    }
    Ok(())
}

fn positive_vnd(field: &str, amount: Decimal) -> Result<i64> {
    let vnd = vnd_from_decimal(field, amount)?;
    if vnd <= 0 {
        return Err(DomainError::invalid(field, "must be above 0"));
    }
    Ok(vnd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn tier(name: &str, min_spend: i64, initial: bool) -> Tier {
        Tier::plain(Uuid::now_v7(), name, min_spend, initial)
    }

    #[test]
    fn thresholds_must_differ_and_only_the_initial_tier_starts_at_zero() {
        let others = vec![tier("Member", 0, true), tier("Silver", 2_000_000, false)];
        let dup = TierInput {
            name: "Bronze".into(),
            min_spend: dec!(2000000),
            ..Default::default()
        };
        assert!(validate(&dup, None, &others).is_err());
        let zero = TierInput {
            name: "Bronze".into(),
            min_spend: dec!(0),
            ..Default::default()
        };
        assert!(validate(&zero, None, &others).is_err());
        let ok = TierInput {
            name: "Bronze".into(),
            min_spend: dec!(1000000),
            ..Default::default()
        };
        assert!(validate(&ok, None, &others).is_ok());
    }

    #[test]
    fn thresholds_stay_within_the_ranking_bound() {
        let input = TierInput {
            name: "Huge".into(),
            min_spend: Decimal::from(MAX_SPEND_VND) + Decimal::ONE,
            ..Default::default()
        };
        assert!(validate(&input, None, &[]).is_err());
        // A new program's conversion: 1 VND per ranking point.
        assert!(within_ranking_bound("minSpend", MAX_RANKING_POINTS, Decimal::ONE).is_ok());
        assert!(within_ranking_bound("minSpend", MAX_RANKING_POINTS + 1, Decimal::ONE).is_err());
        assert!(within_ranking_bound("minSpend", 5_000_000_000, Decimal::from(1000)).is_ok());
    }

    #[test]
    fn initial_threshold_is_fixed() {
        let member = tier("Member", 0, true);
        let input = TierInput {
            name: "Member".into(),
            min_spend: dec!(10),
            ..Default::default()
        };
        assert!(validate(&input, Some(&member), &[]).is_err());
    }

    #[test]
    fn cap_needs_a_discount() {
        let input = TierInput {
            name: "Gold".into(),
            min_spend: dec!(5000000),
            discount_cap: Some(Some(dec!(50000))),
            ..Default::default()
        };
        assert!(validate(&input, None, &[]).is_err());
        let input = TierInput {
            discount_percent: Some(dec!(5)),
            ..input
        };
        assert!(validate(&input, None, &[]).is_ok());
    }

    #[test]
    fn names_are_unique_ignoring_case() {
        let others = vec![tier("Gold", 5_000_000, false)];
        let input = TierInput {
            name: "gold".into(),
            min_spend: dec!(6000000),
            ..Default::default()
        };
        assert!(validate(&input, None, &others).is_err());
    }
}
