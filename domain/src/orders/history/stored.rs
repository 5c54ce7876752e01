//! One recorded order, as the history shows it.
use crate::checkout::CleanLine;
use crate::orders::input::Channel;
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::order;
use uuid::Uuid;

/// A recorded order: what the channel sent and what it came to. Amounts in whole VND;
/// points as recorded when the order was placed (refunds list what they took back).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOrder {
    /// Our id.
    pub id: Uuid,
    /// The channel's order id.
    pub external_id: String,
    /// The customer.
    pub member_id: Uuid,
    /// Where it was sold.
    pub channel: Channel,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// The lines as validated when the order was recorded, in the channel's order.
    pub lines: Vec<CleanLine>,
    /// Sum of the lines.
    pub subtotal: i64,
    /// Tier and voucher discounts.
    pub discount_total: i64,
    /// Due after discounts, before points.
    pub total: i64,
    /// Points paid with.
    pub points_redeemed: i64,
    /// VND the redeemed points paid.
    pub points_value: i64,
    /// VND paid in money.
    pub paid: i64,
    /// Points the order earned.
    pub points_earned: i64,
    /// Sum of the refunds so far.
    pub refunded_amount: i64,
}

impl StoredOrder {
    /// Reads a stored row; a channel or lines the write paths never store are
    /// [`DomainError::Internal`].
    pub fn from_row(row: order::Model) -> Result<Self> {
        let channel = Channel::parse(&row.channel).ok_or_else(|| {
            DomainError::Internal(format!(
                "order {} has the unknown channel '{}'",
                row.id, row.channel
            ))
        })?;
        let lines = serde_json::from_str(&row.lines).map_err(|e| {
            DomainError::Internal(format!("order {} has unreadable lines: {e}", row.id))
        })?;
        Ok(Self {
            id: row.id,
            external_id: row.external_id,
            member_id: row.member_id,
            channel,
            placed_at: row.placed_at,
            lines,
            subtotal: row.subtotal,
            discount_total: row.discount_total,
            total: row.total,
            points_redeemed: row.points_redeemed,
            points_value: row.points_value,
            paid: row.paid,
            points_earned: row.points_earned,
            refunded_amount: row.refunded_amount,
        })
    }
}
