//! A reward in the catalog: points exchanged for a voucher of an offer.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rewards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub points_cost: i64,
    pub offer_id: Uuid,
    pub active: bool,
    /// Redemptions left; `None`: unlimited.
    pub stock: Option<i64>,
    /// The tiers whose members may redeem it, as a JSON array of ids; `None`: every tier.
    pub tier_ids: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
