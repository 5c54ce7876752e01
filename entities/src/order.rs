//! An order from a sales channel, with what it cost and what it did to points. Money in whole VND.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The channel's order id: the idempotency key.
    pub external_id: String,
    pub member_id: Uuid,
    pub channel: String,
    pub placed_at: DateTimeUtc,
    /// Sum of the lines.
    pub subtotal: i64,
    /// Tier and voucher discounts.
    pub discount_total: i64,
    /// What was due after discounts, before points.
    pub total: i64,
    pub points_redeemed: i64,
    /// VND paid with points.
    pub points_value: i64,
    /// VND paid in money: total minus points value.
    pub paid: i64,
    pub points_earned: i64,
    /// Sum of refunds, out of `total`.
    pub refunded_amount: i64,
    /// Earned points taken back by refunds so far.
    pub reversed_points: i64,
    /// Redeemed points given back by refunds so far.
    pub restored_points: i64,
    /// Paid spend taken back by refunds so far.
    pub reversed_spend: i64,
    /// Start of the cycle whose ranking spend the order counted toward; none if it counted toward none.
    pub ranking_cycle: Option<Date>,
    /// The tier the order was priced and earned with: the member's when it was placed;
    /// none for a customer outside the program (`programs.enrollment`).
    pub tier_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// Of `discount_total`, what vouchers took.
    pub voucher_discount: i64,
    /// The lines as the channel sent them (after validation), in order: a JSON array of
    /// `{product_id, group_ids, quantity, unit_price, already_discounted}`. They are
    /// written and read with their order only, so they live in its row.
    pub lines: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
