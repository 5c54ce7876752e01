//! A shop's own SMS gateway account: its eSMS keys (sealed) and registered brand name.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_gateways")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    /// The eSMS API key, sealed.
    pub api_key: String,
    /// The eSMS secret key, sealed.
    pub secret_key: String,
    /// The brand name registered with eSMS, shown as the sender (not a secret).
    pub brand_name: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
