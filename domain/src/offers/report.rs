//! The offer report: vouchers issued and used, revenue of the orders that used them, and
//! the discount they gave.
use crate::Result;
use crate::sql::sum_bigint;
use loyalty_entities::{order, order_discount, voucher};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

/// Figures of one offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OfferReport {
    /// Vouchers issued.
    pub issued: u64,
    /// Vouchers used.
    pub used: u64,
    /// Paid total of the orders that used them, VND.
    pub revenue: i64,
    /// Discount the vouchers gave, VND.
    pub discount_given: i64,
}

/// Computes the report of an offer.
pub async fn report<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    offer_id: Uuid,
) -> Result<OfferReport> {
    let vouchers = || {
        voucher::Entity::find()
            .filter(voucher::Column::ShopId.eq(shop_id))
            .filter(voucher::Column::OfferId.eq(offer_id))
    };
    let issued = vouchers().count(conn).await?;
    let used = vouchers()
        .filter(voucher::Column::UsedAt.is_not_null())
        .count(conn)
        .await?;

    let discount_given: Option<i64> = order_discount::Entity::find()
        .select_only()
        .expr_as(
            sum_bigint(Expr::col(order_discount::Column::Amount)),
            "total",
        )
        .filter(order_discount::Column::ShopId.eq(shop_id))
        .filter(order_discount::Column::OfferId.eq(offer_id))
        .into_tuple()
        .one(conn)
        .await?;
    let orders: Vec<uuid::Uuid> = vouchers()
        .select_only()
        .column(voucher::Column::OrderId)
        .filter(voucher::Column::OrderId.is_not_null())
        .into_tuple::<Option<Uuid>>()
        .all(conn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let revenue: Option<i64> = if orders.is_empty() {
        Some(0)
    } else {
        order::Entity::find()
            .select_only()
            .expr_as(sum_bigint(Expr::col(order::Column::Paid)), "total")
            .filter(order::Column::ShopId.eq(shop_id))
            .filter(order::Column::Id.is_in(orders))
            .into_tuple()
            .one(conn)
            .await?
    };
    Ok(OfferReport {
        issued,
        used,
        revenue: revenue.unwrap_or(0),
        discount_given: discount_given.unwrap_or(0),
    })
}
