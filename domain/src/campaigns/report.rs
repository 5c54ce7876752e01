//! The campaign report: how many were reached, what failed and why, what it cost, and
//! what it brought: orders recipients placed within the attribution window after their
//! message, and the campaign's vouchers used.
use super::{Campaign, DeliveryStatus};
use crate::sql::sum_bigint;
use crate::{Result, messaging::balance};
use loyalty_entities::{campaign_delivery, order, voucher};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, JoinType, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// Failed deliveries with one provider code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureCount {
    /// The provider's (or transport's) code.
    pub code: String,
    /// One of the messages that came with it.
    pub message: String,
    /// How many.
    pub count: i64,
}

/// Skipped recipients with one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipCount {
    /// `NO_PHONE`, `NO_EMAIL`, `OPTED_OUT`, …
    pub reason: String,
    /// How many.
    pub count: i64,
}

/// Figures of one campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignReport {
    /// Recipients frozen when sending started, skipped ones included.
    pub recipients: i64,
    /// Without an address on the channel, or opted out of it.
    pub skipped: i64,
    /// The skipped by reason, by reason's name.
    pub skipped_by_reason: Vec<SkipCount>,
    /// Waiting or in flight.
    pub pending: i64,
    /// Accepted by the provider (the delivered included).
    pub sent: i64,
    /// Of them, confirmed on the recipient's phone by the provider's receipt.
    pub delivered: i64,
    /// Failed for good.
    pub failed: i64,
    /// Cancelled before sending.
    pub cancelled: i64,
    /// Failures by code, most frequent first.
    pub failures: Vec<FailureCount>,
    /// What the sent messages cost, VND.
    pub cost: i64,
    /// Held from the balance for messages not yet sent (in flight or waiting to retry), VND.
    pub held: i64,
    /// The shop's messaging balance now, VND.
    pub balance_left: i64,
    /// Orders placed by recipients within the window after their message.
    pub attributed_orders: i64,
    /// Money those orders paid, VND.
    pub attributed_revenue: i64,
    /// Vouchers issued with the messages.
    pub vouchers_issued: i64,
    /// Of them, used on an order.
    pub vouchers_used: i64,
}

fn deliveries(shop_id: Uuid, id: Uuid) -> sea_orm::Select<campaign_delivery::Entity> {
    campaign_delivery::Entity::find()
        .filter(campaign_delivery::Column::ShopId.eq(shop_id))
        .filter(campaign_delivery::Column::CampaignId.eq(id))
}

/// The campaign's skipped deliveries counted by reason, by reason's name.
pub async fn skipped_by_reason<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    id: Uuid,
) -> Result<Vec<SkipCount>> {
    let rows: Vec<(Option<String>, i64)> = deliveries(shop_id, id)
        .select_only()
        .column(campaign_delivery::Column::SkipReason)
        .expr_as(Func::cast_as(Func::count(Expr::val(1)), "BIGINT"), "n")
        .filter(campaign_delivery::Column::Status.eq(DeliveryStatus::Skipped))
        .group_by(campaign_delivery::Column::SkipReason)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: Vec<SkipCount> = rows
        .into_iter()
        .map(|(reason, count)| SkipCount {
            reason: reason.unwrap_or_default(),
            count,
        })
        .collect();
    out.sort_by(|a, b| a.reason.cmp(&b.reason));
    Ok(out)
}

/// Computes the report of the shop's `campaign`.
pub async fn report<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    campaign: &Campaign,
) -> Result<CampaignReport> {
    let id = campaign.id;
    let mut r = CampaignReport {
        recipients: campaign.recipients,
        ..CampaignReport::default()
    };
    let by_status: Vec<(DeliveryStatus, i64, i64, i64)> = deliveries(shop_id, id)
        .select_only()
        .column(campaign_delivery::Column::Status)
        .expr_as(Func::cast_as(Func::count(Expr::val(1)), "BIGINT"), "n")
        .expr_as(
            sum_bigint(Expr::col(campaign_delivery::Column::Cost)),
            "total_cost",
        )
        .expr_as(
            sum_bigint(Expr::col(campaign_delivery::Column::Held)),
            "total_held",
        )
        .group_by(campaign_delivery::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    for (status, n, cost, held) in by_status {
        r.cost += cost;
        r.held += held;
        match status {
            DeliveryStatus::Skipped => r.skipped += n,
            DeliveryStatus::Sent => r.sent += n,
            DeliveryStatus::Delivered => {
                r.sent += n;
                r.delivered += n;
            }
            DeliveryStatus::Failed => r.failed += n,
            DeliveryStatus::Cancelled => r.cancelled += n,
            DeliveryStatus::Queued | DeliveryStatus::Sending => r.pending += n,
        }
    }
    r.skipped_by_reason = skipped_by_reason(conn, shop_id, id).await?;
    let failures: Vec<(Option<String>, Option<String>, i64)> = deliveries(shop_id, id)
        .select_only()
        .column(campaign_delivery::Column::ErrorCode)
        .expr_as(
            Func::max(Expr::col(campaign_delivery::Column::ErrorMessage)),
            "message",
        )
        .expr_as(Func::cast_as(Func::count(Expr::val(1)), "BIGINT"), "n")
        .filter(campaign_delivery::Column::Status.eq(DeliveryStatus::Failed))
        .group_by(campaign_delivery::Column::ErrorCode)
        .into_tuple()
        .all(conn)
        .await?;
    r.failures = failures
        .into_iter()
        .map(|(code, message, count)| FailureCount {
            code: code.unwrap_or_default(),
            message: message.unwrap_or_default(),
            count,
        })
        .collect();
    r.failures
        .sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    r.balance_left = balance::balance(conn, shop_id).await?;

    let d = |c: campaign_delivery::Column| Expr::col((campaign_delivery::Entity, c));
    let o = |c: order::Column| Expr::col((order::Entity, c));
    let attributed = Query::select()
        .expr(Func::cast_as(Func::count(o(order::Column::Id)), "BIGINT"))
        .expr(sum_bigint(o(order::Column::Paid)))
        .from(order::Entity)
        .join(
            JoinType::InnerJoin,
            campaign_delivery::Entity,
            Condition::all()
                .add(
                    d(campaign_delivery::Column::ShopId)
                        .equals((order::Entity, order::Column::ShopId)),
                )
                .add(
                    d(campaign_delivery::Column::MemberId)
                        .equals((order::Entity, order::Column::MemberId)),
                ),
        )
        .and_where(d(campaign_delivery::Column::ShopId).eq(shop_id))
        .and_where(d(campaign_delivery::Column::CampaignId).eq(id))
        .and_where(
            d(campaign_delivery::Column::Status)
                .is_in([DeliveryStatus::Sent, DeliveryStatus::Delivered]),
        )
        .and_where(o(order::Column::PlacedAt).gte(d(campaign_delivery::Column::SentAt)))
        .and_where(o(order::Column::PlacedAt).lt(d(campaign_delivery::Column::AttributedUntil)))
        .to_owned();
    if let Some(q) = conn.query_one(&attributed).await? {
        r.attributed_orders = q.try_get_by_index::<i64>(0)?;
        r.attributed_revenue = q.try_get_by_index::<i64>(1)?;
    }

    let v = |c: voucher::Column| Expr::col((voucher::Entity, c));
    let vouchers = Query::select()
        .expr(Func::cast_as(
            Func::count(v(voucher::Column::Code)),
            "BIGINT",
        ))
        .expr(Func::cast_as(
            Func::count(v(voucher::Column::UsedAt)),
            "BIGINT",
        ))
        .from(voucher::Entity)
        .join(
            JoinType::InnerJoin,
            campaign_delivery::Entity,
            Condition::all()
                .add(
                    d(campaign_delivery::Column::ShopId)
                        .equals((voucher::Entity, voucher::Column::ShopId)),
                )
                .add(
                    d(campaign_delivery::Column::VoucherCode)
                        .equals((voucher::Entity, voucher::Column::Code)),
                ),
        )
        .and_where(d(campaign_delivery::Column::ShopId).eq(shop_id))
        .and_where(d(campaign_delivery::Column::CampaignId).eq(id))
        .to_owned();
    if let Some(q) = conn.query_one(&vouchers).await? {
        r.vouchers_issued = q.try_get_by_index::<i64>(0)?;
        r.vouchers_used = q.try_get_by_index::<i64>(1)?;
    }
    Ok(r)
}
