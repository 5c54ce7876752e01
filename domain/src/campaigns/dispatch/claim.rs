//! Claiming due deliveries: in one transaction, within the shop's send rate, each
//! delivery is leased to this worker, its price is held from the balance, and its
//! voucher (if the campaign carries an offer) is issued once, on its first claim.
use super::DispatchConfig;
use crate::campaigns::message_price::message_price;
use crate::campaigns::{CampaignStatus, DeliveryStatus};
use crate::messaging::{ChannelKind, Content, balance};
use crate::offers::Offer;
use crate::vouchers::{issue::issue_in, voucher::VoucherSource};
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Timelike, Utc};
use loyalty_entities::{campaign, campaign_delivery, messaging_account, offer};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Sets a SENDING campaign's status and reason, if it is still SENDING.
pub async fn stop<C: ConnectionTrait>(
    conn: &C,
    row: &campaign::Model,
    to: CampaignStatus,
    reason: String,
    resume_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = campaign::Entity::update_many()
        .col_expr(campaign::Column::Status, Expr::value(to.as_str()))
        .col_expr(campaign::Column::StatusReason, Expr::value(reason))
        .col_expr(campaign::Column::ResumeAt, Expr::value(resume_at))
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .filter(campaign::Column::ShopId.eq(row.shop_id))
        .filter(campaign::Column::Id.eq(row.id))
        .filter(campaign::Column::Status.eq(CampaignStatus::Sending.as_str()))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Stops a SENDING campaign whose next message, of `price` VND, the balance cannot pay,
/// saying both; a top-up resumes it.
pub async fn stop_out_of_balance<C: ConnectionTrait>(
    conn: &C,
    row: &campaign::Model,
    price: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let balance_now = balance::balance(conn, row.shop_id).await?;
    stop(
        conn,
        row,
        CampaignStatus::OutOfBalance,
        format!(
            "the messaging balance ({balance_now} VND) cannot pay the next {} message ({price} VND); top up to resume",
            row.channel
        ),
        None,
        now,
    )
    .await
}

fn due(campaign_id: Uuid, shop_id: Uuid, now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(campaign_delivery::Column::ShopId.eq(shop_id))
        .add(campaign_delivery::Column::CampaignId.eq(campaign_id))
        .add(
            Condition::any()
                .add(
                    Condition::all()
                        .add(campaign_delivery::Column::Status.eq(DeliveryStatus::Queued))
                        .add(campaign_delivery::Column::NextAttemptAt.lte(now)),
                )
                // A lease that ran out: its worker died mid-send.
                .add(
                    Condition::all()
                        .add(campaign_delivery::Column::Status.eq(DeliveryStatus::Sending))
                        .add(campaign_delivery::Column::LeaseUntil.lt(now)),
                ),
        )
}

/// Claims the campaign's due deliveries for this worker; returns them as claimed.
pub async fn claim(
    ctx: &Ctx,
    config: &DispatchConfig,
    row: &campaign::Model,
) -> Result<Vec<campaign_delivery::Model>> {
    let now = ctx.clock.now();
    let kind = ChannelKind::parse(&row.channel)?;
    let content: Content = serde_json::from_str(&row.content)
        .map_err(|e| DomainError::Internal(format!("stored campaign content: {e}")))?;
    // Per message (an SMS: its segments' price), measured before the transaction opens:
    // rendering holds no lock.
    let shop = crate::shops::load(&ctx.db, row.shop_id).await?;
    let price = message_price(&content, &shop.name, config.prices)
        .await?
        .total();
    let offer = match row.offer_id {
        None => None,
        Some(id) => match offer::Entity::find_by_id((row.shop_id, id))
            .one(&ctx.db)
            .await?
            .map(Offer::from_row)
            .transpose()?
        {
            Some(o) if o.is_active() => Some(o),
            _ => {
                stop(
                    &ctx.db,
                    row,
                    CampaignStatus::Paused,
                    "the campaign's offer was archived".into(),
                    None,
                    now,
                )
                .await?;
                return Ok(vec![]);
            }
        },
    };

    let txn = ctx.db.begin().await?;
    // The account first, then the campaign, as every writer of both does.
    let account = balance::lock(&txn, row.shop_id, now).await?;
    let current = campaign::Entity::find_by_id((row.shop_id, row.id))
        .lock_exclusive()
        .one(&txn)
        .await?;
    if current.is_none_or(|c| c.status != CampaignStatus::Sending.as_str()) {
        return Ok(vec![]);
    }
    let second = now.with_nanosecond(0).unwrap_or(now);
    let used = if account.window_start == Some(second) {
        account.window_count
    } else {
        0
    };
    let room = config.rate_per_second.saturating_sub(used);
    if room <= 0 {
        return Ok(vec![]);
    }
    let candidates = campaign_delivery::Entity::find()
        .filter(due(row.id, row.shop_id, now))
        .order_by_asc(campaign_delivery::Column::NextAttemptAt)
        .order_by_asc(campaign_delivery::Column::Id)
        .limit(config.batch.min(room as u64))
        .all(&txn)
        .await?;
    let candidates = super::opted_out::skip_opted_out(&txn, row, kind, candidates, now).await?;

    let mut claimed = Vec::with_capacity(candidates.len());
    let mut short = false;
    for c in candidates {
        let needs = if c.held == 0 { price } else { 0 };
        let lease_until = now + config.lease;
        let taken = campaign_delivery::Entity::update_many()
            .col_expr(
                campaign_delivery::Column::Status,
                Expr::value(DeliveryStatus::Sending),
            )
            .col_expr(
                campaign_delivery::Column::Attempts,
                Expr::value(c.attempts + 1),
            )
            .col_expr(
                campaign_delivery::Column::LeaseUntil,
                Expr::value(lease_until),
            )
            .col_expr(campaign_delivery::Column::Held, Expr::value(c.held + needs))
            .col_expr(campaign_delivery::Column::UpdatedAt, Expr::value(now))
            .filter(campaign_delivery::Column::ShopId.eq(c.shop_id))
            .filter(campaign_delivery::Column::Id.eq(c.id))
            .filter(campaign_delivery::Column::Status.eq(c.status))
            .filter(campaign_delivery::Column::Attempts.eq(c.attempts))
            .exec(&txn)
            .await?;
        if taken.rows_affected != 1 {
            continue; // another worker took it first
        }
        if !balance::hold(&txn, row.shop_id, needs).await? {
            // Put it back as it was and stop: the balance cannot pay for it.
            campaign_delivery::Entity::update(
                campaign_delivery::ActiveModel::from(c.clone()).reset_all(),
            )
            .exec(&txn)
            .await?;
            short = true;
            break;
        }
        claimed.push(campaign_delivery::Model {
            status: DeliveryStatus::Sending,
            attempts: c.attempts + 1,
            lease_until: Some(lease_until),
            held: c.held + needs,
            updated_at: now,
            ..c
        });
    }

    if let Some(offer) = &offer {
        let need: Vec<Uuid> = claimed
            .iter()
            .filter(|d| d.voucher_code.is_none())
            .map(|d| d.member_id)
            .collect();
        let issued = issue_in(
            &txn,
            row.shop_id,
            offer,
            &need,
            VoucherSource::Campaign,
            None,
            now,
        )
        .await?;
        let codes: HashMap<Uuid, String> = issued
            .into_iter()
            .filter_map(|v| Some((v.member_id?, v.code)))
            .collect();
        for d in claimed.iter_mut().filter(|d| d.voucher_code.is_none()) {
            let Some(code) = codes.get(&d.member_id) else {
                continue;
            };
            campaign_delivery::Entity::update_many()
                .col_expr(campaign_delivery::Column::VoucherCode, Expr::value(code))
                .filter(campaign_delivery::Column::ShopId.eq(d.shop_id))
                .filter(campaign_delivery::Column::Id.eq(d.id))
                .exec(&txn)
                .await?;
            d.voucher_code = Some(code.clone());
        }
    }

    messaging_account::Entity::update_many()
        .col_expr(messaging_account::Column::WindowStart, Expr::value(second))
        .col_expr(
            messaging_account::Column::WindowCount,
            Expr::value(used + claimed.len() as i64),
        )
        .filter(messaging_account::Column::ShopId.eq(row.shop_id))
        .exec(&txn)
        .await?;
    if short {
        stop_out_of_balance(&txn, row, price, now).await?;
    }
    txn.commit().await?;
    Ok(claimed)
}
