//! What offers' limits have counted so far, and counting an order's uses: read (locked
//! on PostgreSQL when an order plans against it) before pricing, written by guarded
//! updates in the order's transaction, given back by the order's full refund.
//!
//! The budget row exists from the offer's save on (`offers::service`), so an order
//! locks an existing row and concurrent orders wait for each other: each plans against
//! exactly what the ones before it counted. The guards still say the same, so that no
//! write can take more than a limit even if a path forgot the lock.
use super::limits::OfferLimits;
use super::reach::Delivery;
use crate::{DomainError, Result};
use loyalty_entities::{offer_budget, offer_customer_use, offer_order_use};
use sea_orm::sea_query::{Expr, ExprTrait, LockType, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// What limited offers have counted so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Per offer: uses and discount (VND).
    pub budgets: HashMap<Uuid, (i64, i64)>,
    /// Per offer: this customer's uses.
    pub customer: HashMap<Uuid, i64>,
}

/// Who a per-customer limit counts: the member, or for an unregistered customer of a
/// public code the phone (one person may come back under another customer id, rarely
/// under another phone).
pub fn customer_key(
    member_id: Uuid,
    registered: bool,
    phone: Option<&str>,
    delivery: Delivery,
) -> String {
    match phone {
        Some(p) if !registered && delivery == Delivery::PublicCode && !p.is_empty() => {
            format!("phone:{p}")
        }
        _ => format!("member:{member_id}"),
    }
}

/// One limited offer an order uses: what its write counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferUse {
    /// The offer.
    pub offer_id: Uuid,
    /// The customer counted.
    pub customer: String,
    /// Uses: one, or more for several vouchers of the offer.
    pub uses: i64,
    /// The discount the order got from it, VND.
    pub discount: i64,
    /// The limits planned against (the guards repeat them).
    pub limits: OfferLimits,
}

/// The usage of `offers` (each with the customer its per-customer limit counts),
/// locking the rows on PostgreSQL when `lock` (an order about to count).
pub async fn read<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    offers: &[(Uuid, Option<String>)],
    lock: bool,
) -> Result<Usage> {
    let mut usage = Usage::default();
    if offers.is_empty() {
        return Ok(usage);
    }
    let ids: Vec<Uuid> = offers.iter().map(|(id, _)| *id).collect();
    // In offer order, so that orders locking several budgets never wait on each other
    // in a circle.
    let mut budgets = offer_budget::Entity::find()
        .filter(offer_budget::Column::ShopId.eq(shop_id))
        .filter(offer_budget::Column::OfferId.is_in(ids))
        .order_by_asc(offer_budget::Column::OfferId);
    if lock {
        budgets = budgets.lock(LockType::Update);
    }
    for b in budgets.all(conn).await? {
        usage.budgets.insert(b.offer_id, (b.uses, b.discount));
    }
    for (offer_id, customer) in offers {
        let Some(customer) = customer else { continue };
        let mut q = offer_customer_use::Entity::find_by_id((shop_id, *offer_id, customer.clone()));
        if lock {
            q = q.lock(LockType::Update);
        }
        if let Some(row) = q.one(conn).await? {
            usage.customer.insert(*offer_id, row.uses);
        }
    }
    Ok(usage)
}

fn exhausted(offer_id: Uuid) -> DomainError {
    DomainError::Conflict(format!(
        "offer {offer_id}: its limit was reached by a concurrent order; retry"
    ))
}

/// Counts the uses of order `order_id`, each by a guarded update.
pub async fn count<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    order_id: Uuid,
    uses: &[OfferUse],
) -> Result<()> {
    for u in uses {
        let l = u.limits;
        if l.budget_uses.is_some() || l.budget_discount.is_some() {
            let mut update = offer_budget::Entity::update_many()
                .col_expr(
                    offer_budget::Column::Uses,
                    Expr::col(offer_budget::Column::Uses).add(u.uses),
                )
                .col_expr(
                    offer_budget::Column::Discount,
                    Expr::col(offer_budget::Column::Discount).add(u.discount),
                )
                .filter(offer_budget::Column::ShopId.eq(shop_id))
                .filter(offer_budget::Column::OfferId.eq(u.offer_id));
            if let Some(most) = l.budget_uses {
                update = update.filter(offer_budget::Column::Uses.lte(most - u.uses));
            }
            if let Some(most) = l.budget_discount {
                update = update.filter(
                    Expr::col(offer_budget::Column::Discount)
                        .add(u.discount)
                        .lte(most),
                );
            }
            if update.exec(conn).await?.rows_affected != 1 {
                return Err(exhausted(u.offer_id));
            }
        }
        if let Some(most) = l.per_customer {
            let counted = offer_customer_use::Entity::insert(offer_customer_use::ActiveModel {
                shop_id: Set(shop_id),
                offer_id: Set(u.offer_id),
                customer: Set(u.customer.clone()),
                uses: Set(u.uses),
            })
            .on_conflict(
                OnConflict::columns([
                    offer_customer_use::Column::ShopId,
                    offer_customer_use::Column::OfferId,
                    offer_customer_use::Column::Customer,
                ])
                .value(
                    offer_customer_use::Column::Uses,
                    Expr::col((offer_customer_use::Entity, offer_customer_use::Column::Uses))
                        .add(u.uses),
                )
                .action_and_where(
                    Expr::col((offer_customer_use::Entity, offer_customer_use::Column::Uses))
                        .lte(most - u.uses),
                )
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
            if counted != 1 {
                return Err(exhausted(u.offer_id));
            }
        }
        offer_order_use::Entity::insert(offer_order_use::ActiveModel {
            shop_id: Set(shop_id),
            order_id: Set(order_id),
            offer_id: Set(u.offer_id),
            customer: Set(u.customer.clone()),
            uses: Set(u.uses),
            discount: Set(u.discount),
            given_back: Set(false),
        })
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// Gives back what order `order_id` counted, once: its refund in full makes the uses
/// and the discount available again.
pub async fn give_back<C: ConnectionTrait>(conn: &C, shop_id: Uuid, order_id: Uuid) -> Result<()> {
    let counted = offer_order_use::Entity::find()
        .filter(offer_order_use::Column::ShopId.eq(shop_id))
        .filter(offer_order_use::Column::OrderId.eq(order_id))
        .filter(offer_order_use::Column::GivenBack.eq(false))
        .order_by_asc(offer_order_use::Column::OfferId)
        .all(conn)
        .await?;
    for c in counted {
        offer_budget::Entity::update_many()
            .col_expr(
                offer_budget::Column::Uses,
                Expr::col(offer_budget::Column::Uses).sub(c.uses),
            )
            .col_expr(
                offer_budget::Column::Discount,
                Expr::col(offer_budget::Column::Discount).sub(c.discount),
            )
            .filter(offer_budget::Column::ShopId.eq(shop_id))
            .filter(offer_budget::Column::OfferId.eq(c.offer_id))
            .filter(offer_budget::Column::Uses.gte(c.uses))
            .filter(offer_budget::Column::Discount.gte(c.discount))
            .exec(conn)
            .await?;
        offer_customer_use::Entity::update_many()
            .col_expr(
                offer_customer_use::Column::Uses,
                Expr::col(offer_customer_use::Column::Uses).sub(c.uses),
            )
            .filter(offer_customer_use::Column::ShopId.eq(shop_id))
            .filter(offer_customer_use::Column::OfferId.eq(c.offer_id))
            .filter(offer_customer_use::Column::Customer.eq(c.customer.as_str()))
            .filter(offer_customer_use::Column::Uses.gte(c.uses))
            .exec(conn)
            .await?;
        offer_order_use::Entity::update_many()
            .col_expr(offer_order_use::Column::GivenBack, Expr::value(true))
            .filter(offer_order_use::Column::ShopId.eq(shop_id))
            .filter(offer_order_use::Column::OrderId.eq(order_id))
            .filter(offer_order_use::Column::OfferId.eq(c.offer_id))
            .exec(conn)
            .await?;
    }
    Ok(())
}
