//! A full or partial refund of an order and what it reversed.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    /// The channel's refund id: the idempotency key.
    pub refund_key: String,
    pub amount: i64,
    pub points_reversed: i64,
    pub points_restored: i64,
    pub spend_reversed: i64,
    /// Points that could not be taken back because they were spent.
    pub debt_added: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
