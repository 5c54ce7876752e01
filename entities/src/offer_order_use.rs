//! What one order counted against a limited offer, so its refund gives that back once.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_order_uses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub offer_id: Uuid,
    /// The customer counted (see `offer_customer_use`).
    pub customer: String,
    /// Uses counted (two vouchers of one offer are two).
    pub uses: i64,
    /// VND counted against the offer's discount budget.
    pub discount: i64,
    /// Given back by a refund.
    pub given_back: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
