//! The reward as services see it, and the definition a merchant gives, checked.
use crate::limits::{MAX_POINTS, at_most};
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::reward;
use uuid::Uuid;

/// Most redemptions a reward's stock may hold.
pub const MAX_STOCK: i64 = 1_000_000_000;

/// Most tiers a reward may be kept for: more than a ladder has.
pub const MAX_TIERS: usize = 50;

/// Longest reward name, in characters.
pub const MAX_NAME: usize = 200;

/// A catalog item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reward {
    /// Its id.
    pub id: Uuid,
    /// Name shown to members.
    pub name: String,
    /// Points it costs.
    pub points_cost: i64,
    /// The offer its voucher is of.
    pub offer_id: Uuid,
    /// Still offered (not archived).
    pub active: bool,
    /// Redemptions left; `None`: unlimited.
    pub stock: Option<i64>,
    /// The tiers whose members may redeem it; empty: every tier.
    pub tier_ids: Vec<Uuid>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl Reward {
    /// Reads a stored row; a `tier_ids` that is not a JSON array of ids is corrupt.
    pub fn from_row(r: reward::Model) -> Result<Self> {
        let tier_ids = match r.tier_ids.as_deref() {
            None => vec![],
            Some(json) => serde_json::from_str(json).map_err(|e| {
                DomainError::Internal(format!("reward {}: stored tier ids: {e}", r.id))
            })?,
        };
        Ok(Self {
            id: r.id,
            name: r.name,
            points_cost: r.points_cost,
            offer_id: r.offer_id,
            active: r.active,
            stock: r.stock,
            tier_ids,
            created_at: r.created_at,
        })
    }

    /// Whether a member of `tier` may redeem it.
    pub fn open_to(&self, tier: Option<Uuid>) -> bool {
        self.tier_ids.is_empty() || tier.is_some_and(|t| self.tier_ids.contains(&t))
    }
}

/// A reward as the merchant defines it, for `create` and `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardSpec {
    /// Name shown to members.
    pub name: String,
    /// Points it costs.
    pub points_cost: i64,
    /// The offer its voucher is of.
    pub offer_id: Uuid,
    /// Redemptions left; `None`: unlimited.
    pub stock: Option<i64>,
    /// The tiers whose members may redeem it; empty: every tier.
    pub tier_ids: Vec<Uuid>,
}

/// A spec whose own fields are valid (the offer and tiers are checked against the shop
/// by the catalog).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedSpec {
    /// Trimmed name.
    pub name: String,
    /// Points it costs.
    pub points_cost: i64,
    /// The offer.
    pub offer_id: Uuid,
    /// Stock, if limited.
    pub stock: Option<i64>,
    /// Tier ids without repeats, in the order given.
    pub tier_ids: Vec<Uuid>,
}

impl CheckedSpec {
    /// The tier ids as stored: `None` for every tier.
    pub fn stored_tier_ids(&self) -> Option<String> {
        (!self.tier_ids.is_empty())
            .then(|| serde_json::to_string(&self.tier_ids).unwrap_or_default())
    }
}

/// Checks what a spec says on its own; `BAD_USER_INPUT` blaming the field at fault.
pub fn check(spec: RewardSpec) -> Result<CheckedSpec> {
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(DomainError::invalid(
            "name",
            format!("a reward name has 1 to {MAX_NAME} characters"),
        ));
    }
    if !(1..=MAX_POINTS).contains(&spec.points_cost) {
        return Err(DomainError::invalid(
            "pointsCost",
            "must be between 1 and 1,000,000,000",
        ));
    }
    let stock = spec
        .stock
        .map(|s| at_most("stock", s, MAX_STOCK))
        .transpose()?;
    let mut tier_ids = Vec::with_capacity(spec.tier_ids.len());
    for id in spec.tier_ids {
        if !tier_ids.contains(&id) {
            tier_ids.push(id);
        }
    }
    if tier_ids.len() > MAX_TIERS {
        return Err(DomainError::invalid(
            "tierIds",
            format!("at most {MAX_TIERS} tiers"),
        ));
    }
    Ok(CheckedSpec {
        name: name.to_owned(),
        points_cost: spec.points_cost,
        offer_id: spec.offer_id,
        stock,
        tier_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RewardSpec {
        RewardSpec {
            name: " Coffee ".into(),
            points_cost: 100,
            offer_id: Uuid::nil(),
            stock: None,
            tier_ids: vec![],
        }
    }

    fn field_of(r: Result<CheckedSpec>) -> Option<String> {
        match r {
            Err(DomainError::InvalidInput { field, .. }) => field,
            _ => None,
        }
    }

    #[test]
    fn a_spec_is_trimmed_and_its_tiers_deduplicated() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let checked = check(RewardSpec {
            stock: Some(0),
            tier_ids: vec![b, a, b],
            ..spec()
        })
        .ok();
        let checked = checked.unwrap_or_else(|| panic!("valid spec refused"));
        assert_eq!(checked.name, "Coffee");
        assert_eq!(checked.stock, Some(0));
        assert_eq!(checked.tier_ids, vec![b, a]);
        assert_eq!(
            checked.stored_tier_ids().as_deref(),
            Some(format!("[\"{b}\",\"{a}\"]").as_str())
        );
        assert_eq!(check(spec()).ok().and_then(|c| c.stored_tier_ids()), None);
    }

    #[test]
    fn each_bad_field_is_named() {
        for (bad, field) in [
            (
                RewardSpec {
                    name: "  ".into(),
                    ..spec()
                },
                "name",
            ),
            (
                RewardSpec {
                    name: "x".repeat(MAX_NAME + 1),
                    ..spec()
                },
                "name",
            ),
            (
                RewardSpec {
                    points_cost: 0,
                    ..spec()
                },
                "pointsCost",
            ),
            (
                RewardSpec {
                    stock: Some(-1),
                    ..spec()
                },
                "stock",
            ),
            (
                RewardSpec {
                    stock: Some(MAX_STOCK + 1),
                    ..spec()
                },
                "stock",
            ),
            (
                RewardSpec {
                    tier_ids: (0..=MAX_TIERS as u128).map(Uuid::from_u128).collect(),
                    ..spec()
                },
                "tierIds",
            ),
        ] {
            assert_eq!(field_of(check(bad)).as_deref(), Some(field));
        }
    }

    #[test]
    fn tiers_restrict_who_may_redeem() {
        let gold = Uuid::from_u128(7);
        let open = Reward {
            id: Uuid::nil(),
            name: "r".into(),
            points_cost: 1,
            offer_id: Uuid::nil(),
            active: true,
            stock: None,
            tier_ids: vec![],
            created_at: DateTime::<Utc>::default(),
        };
        assert!(open.open_to(None) && open.open_to(Some(gold)));
        let kept = Reward {
            tier_ids: vec![gold],
            ..open
        };
        assert!(kept.open_to(Some(gold)));
        assert!(!kept.open_to(Some(Uuid::from_u128(8))) && !kept.open_to(None));
    }
}
