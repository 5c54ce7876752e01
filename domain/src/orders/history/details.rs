//! The discounts and refunds of a page of orders, one statement each for the whole page.
use crate::Result;
use chrono::{DateTime, Utc};
use loyalty_entities::order_discount::{self, DiscountSource};
use loyalty_entities::refund;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use uuid::Uuid;

/// A discount an order got, in the order it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDiscount {
    /// The tier, a voucher, or points.
    pub source: DiscountSource,
    /// What the customer saw, e.g. the tier's or the offer's name.
    pub label: String,
    /// VND taken off.
    pub amount: i64,
    /// The voucher's code, for a voucher.
    pub voucher_code: Option<String>,
}

/// A refund of an order, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRefund {
    /// The channel's refund id.
    pub refund_id: String,
    /// VND refunded, out of the order's total.
    pub amount: i64,
    /// Earned points it took back.
    pub points_reversed: i64,
    /// Redeemed points it gave back.
    pub points_restored: i64,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

/// The discounts of each of `orders` (an empty list for an order without any), by
/// order id.
pub async fn discounts_of<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    orders: &[Uuid],
) -> Result<HashMap<Uuid, Vec<OrderDiscount>>> {
    let mut out: HashMap<Uuid, Vec<OrderDiscount>> =
        orders.iter().map(|o| (*o, Vec::new())).collect();
    if orders.is_empty() {
        return Ok(out);
    }
    let rows = order_discount::Entity::find()
        .filter(order_discount::Column::ShopId.eq(shop_id))
        .filter(order_discount::Column::OrderId.is_in(orders.iter().copied()))
        .order_by_asc(order_discount::Column::OrderId)
        .order_by_asc(order_discount::Column::Seq)
        .all(conn)
        .await?;
    for row in rows {
        if let Some(list) = out.get_mut(&row.order_id) {
            list.push(OrderDiscount {
                source: row.source,
                label: row.label,
                amount: row.amount,
                voucher_code: row.voucher_code,
            });
        }
    }
    Ok(out)
}

/// The refunds of each of `orders`, oldest first (an empty list for an order never
/// refunded), by order id.
pub async fn refunds_of<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    orders: &[Uuid],
) -> Result<HashMap<Uuid, Vec<OrderRefund>>> {
    let mut out: HashMap<Uuid, Vec<OrderRefund>> =
        orders.iter().map(|o| (*o, Vec::new())).collect();
    if orders.is_empty() {
        return Ok(out);
    }
    // Ids are time-ordered: they break ties between refunds recorded at one instant.
    let rows = refund::Entity::find()
        .filter(refund::Column::ShopId.eq(shop_id))
        .filter(refund::Column::OrderId.is_in(orders.iter().copied()))
        .order_by_asc(refund::Column::CreatedAt)
        .order_by_asc(refund::Column::Id)
        .all(conn)
        .await?;
    for row in rows {
        if let Some(list) = out.get_mut(&row.order_id) {
            list.push(OrderRefund {
                refund_id: row.refund_key,
                amount: row.amount,
                points_reversed: row.points_reversed,
                points_restored: row.points_restored,
                at: row.created_at,
            });
        }
    }
    Ok(out)
}
