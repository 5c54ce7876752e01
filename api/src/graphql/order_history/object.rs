//! An order as GraphQL shows it: what the channel sent, what it came to, its discounts,
//! points and refunds.
use crate::error::Gql;
use crate::graphql::enums::{Channel, DiscountSource};
use crate::graphql::members::object::Member;
use crate::graphql::scalars::{Dec, Int32};
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::checkout::CleanLine;
use loyalty_domain::members;
use loyalty_domain::orders::history::{self, StoredOrder};
use uuid::Uuid;

/// A recorded order.
pub struct Order {
    /// The order's shop.
    pub shop_id: Uuid,
    /// The order.
    pub order: StoredOrder,
    /// Its customer, when the list already holds it (a member's own orders).
    pub member: Option<members::Member>,
}

/// A recorded order: amounts in VND, points as the order earned and redeemed them when
/// it was placed; `refunds` lists what refunds took back.
#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.order.id.to_string())
    }
    /// The channel's order id.
    async fn external_id(&self) -> &str {
        &self.order.external_id
    }
    async fn channel(&self) -> Channel {
        self.order.channel.into()
    }
    async fn placed_at(&self) -> DateTime<Utc> {
        self.order.placed_at
    }
    /// The customer.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        if let Some(m) = &self.member {
            return Ok(Some(Member(m.clone())));
        }
        Ok(ctx
            .data_unchecked::<Loaders>()
            .members()
            .load_one((self.shop_id, self.order.member_id))
            .await
            .map_err(unshare)
            .gql()?
            .map(Member))
    }
    /// The lines as the channel sent them (after validation), in its order.
    async fn lines(&self) -> Vec<OrderLine> {
        self.order.lines.iter().map(OrderLine::from).collect()
    }
    /// Tier, voucher and points discounts, in the order they applied: `discountTotal`
    /// sums the tier and voucher ones, `pointsValue` is the points one.
    async fn discounts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrderDiscount>> {
        let found = ctx
            .data_unchecked::<Loaders>()
            .order_discounts()
            .load_one((self.shop_id, self.order.id))
            .await
            .map_err(unshare)
            .gql()?;
        Ok(found
            .map(|list| list.iter().map(OrderDiscount::from).collect())
            .unwrap_or_default())
    }
    /// Sum of the lines.
    async fn subtotal(&self) -> Dec {
        self.order.subtotal.into()
    }
    /// Tier and voucher discounts, the points left out.
    async fn discount_total(&self) -> Dec {
        self.order.discount_total.into()
    }
    /// Due after the tier and voucher discounts, before points: the same as
    /// `totalBeforePoints` (`Quote.total`, by contrast, is after points).
    async fn total(&self) -> Dec {
        self.order.total.into()
    }
    /// Subtotal minus the tier and voucher discounts, before points.
    async fn total_before_points(&self) -> Dec {
        self.order.total.into()
    }
    /// What was left to pay in money: `totalBeforePoints - pointsValue` (the same as
    /// `paid`).
    async fn amount_due(&self) -> Dec {
        self.order.paid.into()
    }
    /// What the redeemed points paid.
    async fn points_value(&self) -> Dec {
        self.order.points_value.into()
    }
    /// Paid in money: `totalBeforePoints` minus `pointsValue`, the same as `amountDue`.
    async fn paid(&self) -> Dec {
        self.order.paid.into()
    }
    /// Points the order earned (before refunds).
    async fn points_earned(&self) -> Int32 {
        self.order.points_earned.into()
    }
    /// Points paid with (before refunds).
    async fn points_redeemed(&self) -> Int32 {
        self.order.points_redeemed.into()
    }
    /// Refunds, oldest first.
    async fn refunds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrderRefund>> {
        let found = ctx
            .data_unchecked::<Loaders>()
            .order_refunds()
            .load_one((self.shop_id, self.order.id))
            .await
            .map_err(unshare)
            .gql()?;
        Ok(found
            .map(|list| list.iter().map(OrderRefund::from).collect())
            .unwrap_or_default())
    }
    /// Refunded so far, out of `total`.
    async fn refunded_amount(&self) -> Dec {
        self.order.refunded_amount.into()
    }
}

/// A line of an order.
#[derive(SimpleObject)]
pub struct OrderLine {
    pub product_id: ID,
    pub group_ids: Vec<ID>,
    pub quantity: Int32,
    pub unit_price: Dec,
    /// The line carried another promotion already.
    pub already_discounted: bool,
}

impl From<&CleanLine> for OrderLine {
    fn from(l: &CleanLine) -> Self {
        Self {
            product_id: ID(l.product_id.clone()),
            group_ids: l.group_ids.iter().map(|g| ID(g.clone())).collect(),
            quantity: l.quantity.into(),
            unit_price: l.unit_price.into(),
            already_discounted: l.already_discounted,
        }
    }
}

/// A discount an order got.
#[derive(SimpleObject)]
pub struct OrderDiscount {
    pub source: DiscountSource,
    /// What the customer saw (the tier's or the offer's name).
    pub label: String,
    pub amount: Dec,
    /// The voucher's code, for a voucher.
    pub voucher_code: Option<String>,
}

impl From<&history::OrderDiscount> for OrderDiscount {
    fn from(d: &history::OrderDiscount) -> Self {
        Self {
            source: d.source.into(),
            label: d.label.clone(),
            amount: d.amount.into(),
            voucher_code: d.voucher_code.clone(),
        }
    }
}

/// A full or partial refund of an order.
#[derive(SimpleObject)]
pub struct OrderRefund {
    /// The channel's refund id.
    pub refund_id: String,
    pub amount: Dec,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Earned points it took back (or recorded as debt).
    pub points_reversed: Int32,
    /// Redeemed points it gave back.
    pub points_restored: Int32,
}

impl From<&history::OrderRefund> for OrderRefund {
    fn from(r: &history::OrderRefund) -> Self {
        Self {
            refund_id: r.refund_id.clone(),
            amount: r.amount.into(),
            at: r.at,
            points_reversed: r.points_reversed.into(),
            points_restored: r.points_restored.into(),
        }
    }
}
