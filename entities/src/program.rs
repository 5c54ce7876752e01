//! A shop's loyalty program settings (one row per shop).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    pub status: String,
    pub spend_per_ranking_point: String,
    pub reward_rate_percent: String,
    /// While `redemption_rate_set` is false, the nearest whole number of points that pay
    /// 1,000 VND at the point value the redemption follows (for readers of the table).
    pub points_per_thousand_vnd: i64,
    /// Whether the merchant set the redemption rate; false: it follows the point value.
    pub redemption_rate_set: bool,
    pub pending_hours: i64,
    pub expiry_kind: String,
    pub expiry_days: Option<i64>,
    pub expiry_period_months: Option<i64>,
    pub cycle_kind: String,
    pub cycle_months: Option<i64>,
    pub cycle_starts_on: Option<Date>,
    /// MEMBERS_ONLY or ALL_CUSTOMERS: who gets the tier discount, earns and redeems.
    pub enrollment: String,
    pub activation_mode: Option<String>,
    pub activated_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// Raised by every transaction that changes the program or its tiers.
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
