//! A member's opt-out of one messaging channel.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "messaging_opt_outs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    /// The channel's stored name (`ZNS`, `EMAIL`, …), as text so a new channel needs no
    /// migration.
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel: String,
    /// `API` (`setMessagingConsent`) or `LINK` (the unsubscribe link of an e-mail).
    pub source: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
