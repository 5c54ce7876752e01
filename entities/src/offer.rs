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
    /// How it reaches a checkout.
    pub delivery: OfferDelivery,
    /// The public code (normalized like voucher codes), for PUBLIC_CODE offers.
    pub code: Option<String>,
    /// Lower applies first.
    pub priority: i64,
    /// Does not combine with other offers.
    pub exclusive: bool,
    /// Total uses; NULL: unlimited.
    pub budget_uses: Option<i64>,
    /// Total discount, VND; NULL: unlimited.
    pub budget_discount: Option<i64>,
    /// Uses per customer; NULL: unlimited.
    pub per_customer_limit: Option<i64>,
}

/// How an offer reaches a checkout, stored as its upper-case name in a text column.
#[derive(
    Copy,
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum OfferDelivery {
    /// Personal single-use vouchers issued to members.
    #[default]
    #[sea_orm(string_value = "VOUCHER")]
    Voucher,
    /// Applies to every checkout it fits, without a code.
    #[sea_orm(string_value = "AUTOMATIC")]
    Automatic,
    /// One code the merchant chose, typed by anyone.
    #[sea_orm(string_value = "PUBLIC_CODE")]
    PublicCode,
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
