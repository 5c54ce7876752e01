//! A shop's messaging balance, and the window its send rate is counted in.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messaging_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    /// VND left to spend on messages.
    pub balance: i64,
    /// Start of the current one-second rate window.
    pub window_start: Option<DateTimeUtc>,
    /// Messages claimed in that window.
    pub window_count: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
