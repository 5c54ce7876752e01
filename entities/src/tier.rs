//! A membership tier. Rank is not stored: it is the position by `min_spend`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tiers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub min_spend: i64,
    pub discount_percent: String,
    pub discount_cap: Option<i64>,
    pub point_multiplier: String,
    pub redeem_cap: Option<i64>,
    pub combines_with_promotions: bool,
    pub is_initial: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
