//! The tier as the services see it, and the input that creates or changes one.
use crate::Result;
use crate::money::stored_decimal;
use loyalty_entities::tier;
use rust_decimal::Decimal;
use uuid::Uuid;

/// A membership tier with its benefits.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    /// Its id.
    pub id: Uuid,
    /// Display name, unique in the shop (case-insensitive).
    pub name: String,
    /// 1 for the initial tier, then by increasing threshold.
    pub rank: i32,
    /// Paid spend in the cycle that reaches the tier, whole VND.
    pub min_spend: i64,
    /// The threshold in ranking points, derived from `min_spend`.
    pub min_ranking_points: i64,
    /// Order discount in percent.
    pub discount_percent: Decimal,
    /// Largest discount in VND, if capped.
    pub discount_cap: Option<i64>,
    /// Multiplier on earned reward points.
    pub point_multiplier: Decimal,
    /// Largest points payment per order in VND, if capped.
    pub redeem_cap: Option<i64>,
    /// Whether the tier discount applies together with vouchers and promotions.
    pub combines_with_promotions: bool,
    /// The initial tier (threshold 0, cannot be deleted).
    pub is_initial: bool,
}

impl Tier {
    /// A tier with no benefits beyond multiplier 1: the defaults of a new tier.
    pub fn plain(id: Uuid, name: &str, min_spend: i64, is_initial: bool) -> Self {
        Self {
            id,
            name: name.to_owned(),
            rank: 0,
            min_spend,
            min_ranking_points: 0,
            discount_percent: Decimal::ZERO,
            discount_cap: None,
            point_multiplier: Decimal::ONE,
            redeem_cap: None,
            combines_with_promotions: false,
            is_initial,
        }
    }

    /// Reads a row; rank and ranking points are filled by the caller.
    pub fn from_row(row: &tier::Model) -> Result<Self> {
        Ok(Self {
            id: row.id,
            name: row.name.clone(),
            rank: 0,
            min_spend: row.min_spend,
            min_ranking_points: 0,
            discount_percent: stored_decimal("discount_percent", &row.discount_percent)?,
            discount_cap: row.discount_cap,
            point_multiplier: stored_decimal("point_multiplier", &row.point_multiplier)?,
            redeem_cap: row.redeem_cap,
            combines_with_promotions: row.combines_with_promotions,
            is_initial: row.is_initial,
        })
    }
}

/// A tier as a merchant submits it. On update, `None` keeps the current value; for the
/// caps, `Some(None)` removes the cap.
#[derive(Debug, Clone, Default)]
pub struct TierInput {
    /// Display name.
    pub name: String,
    /// Threshold in VND.
    pub min_spend: Decimal,
    /// Discount percent (default 0).
    pub discount_percent: Option<Decimal>,
    /// Discount cap in VND.
    pub discount_cap: Option<Option<Decimal>>,
    /// Point multiplier (default 1).
    pub point_multiplier: Option<Decimal>,
    /// Redemption cap per order in VND.
    pub redeem_cap: Option<Option<Decimal>>,
    /// Combines with promotions (default false: a merchant opts in to stacking).
    pub combines_with_promotions: Option<bool>,
}
