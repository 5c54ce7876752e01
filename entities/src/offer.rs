//! An offer: its display fields and its pricing as rule configuration (JSON).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub discount_kind: String,
    /// Percent or VND, as decimal text.
    pub value: String,
    /// {target, rules: [{kind, args}]} as JSON.
    pub config: String,
    pub valid_days: Option<i64>,
    pub status: OfferStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Whether an offer still works, stored as its upper-case name in a text column. A stored
/// value outside this list fails the row's read (`DbErr::Type`).
#[derive(
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum OfferStatus {
    /// Vouchers are issued and accepted.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Archived by the merchant: its vouchers stop working and no more are issued.
    #[sea_orm(string_value = "ARCHIVED")]
    Archived,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
