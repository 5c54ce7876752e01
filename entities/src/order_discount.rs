//! A discount an order got: tier, a voucher, or points.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "order_discounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub source: DiscountSource,
    pub label: String,
    pub amount: i64,
    pub offer_id: Option<Uuid>,
    pub voucher_code: Option<String>,
}

/// Where an order's discount came from, stored as its upper-case name in a text column.
/// A stored value outside this list fails the row's read (`DbErr::Type`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum DiscountSource {
    /// The member's tier.
    #[sea_orm(string_value = "TIER")]
    Tier,
    /// A voucher; the row names its code and offer.
    #[sea_orm(string_value = "VOUCHER")]
    Voucher,
    /// Points paid.
    #[sea_orm(string_value = "POINTS")]
    Points,
    /// An automatic offer (no code); the row names the offer.
    #[sea_orm(string_value = "OFFER")]
    Offer,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
