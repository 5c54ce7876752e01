//! What recording or refunding an order answers.
use crate::checkout::Skipped;
use crate::ledger::LiveBalance;
use crate::members::Member;
use crate::{DomainError, Result};
use loyalty_entities::{member, order};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

/// An order's amounts and the member after it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderOutcome {
    /// Our id.
    pub order_id: Uuid,
    /// Sum of the lines, VND.
    pub subtotal: i64,
    /// Discounts, VND.
    pub discount_total: i64,
    /// Due after discounts, before points, VND.
    pub total: i64,
    /// Paid in money, VND.
    pub paid: i64,
    /// Points earned (before refunds).
    pub points_earned: i64,
    /// Points redeemed (before refunds).
    pub points_redeemed: i64,
    /// Refunded so far, VND.
    pub refunded_amount: i64,
    /// What the order's points paid, VND.
    pub points_value: i64,
    /// Benefits the program did not give the order, and why: while the program is a
    /// draft, the order earns nothing ([`crate::program::Policy::DRAFT_EARNS_NOTHING`]).
    pub skipped: Vec<Skipped>,
    /// The member as it is now.
    pub member: Member,
    /// The member's available and pending points right after the order, when the
    /// write knew them exactly (the PostgreSQL path): the API answers
    /// `member { points { available pending } }` from them instead of reading the lots
    /// again.
    pub balance: Option<LiveBalance>,
}

/// Reads the outcome of a stored order.
pub async fn load<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    order_id: Uuid,
) -> Result<OrderOutcome> {
    let o = order::Entity::find_by_id((shop_id, order_id))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::Internal(format!("order {order_id} vanished")))?;
    let m = member::Entity::find_by_id((shop_id, o.member_id))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::Internal(format!("member of order {order_id} vanished")))?;
    outcome(o, Member::from_row(m)?)
}

/// The outcome of a stored order, with its member as it is now.
pub(crate) fn outcome(o: order::Model, member: Member) -> Result<OrderOutcome> {
    Ok(OrderOutcome {
        order_id: o.id,
        subtotal: o.subtotal,
        discount_total: o.discount_total,
        total: o.total,
        paid: o.paid,
        points_earned: o.points_earned,
        points_redeemed: o.points_redeemed,
        refunded_amount: o.refunded_amount,
        points_value: o.points_value,
        skipped: Vec::new(),
        member,
        balance: None,
    })
}
