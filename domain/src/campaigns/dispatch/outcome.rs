//! Recording what the provider said, once per claim: every update is guarded by the
//! claim (status SENDING and its attempt number), so a worker whose lease ran out and
//! whose delivery another worker took over records nothing.
use super::DispatchConfig;
use super::claim::stop;
use crate::campaigns::{CampaignStatus, DeliveryStatus, retry::backoff};
use crate::messaging::{SendOutcome, balance};
use crate::shops::next_local_midnight;
use crate::{Ctx, Result};
use chrono::{DateTime, Duration, Utc};
use loyalty_entities::{campaign, campaign_delivery};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait, UpdateMany};

/// What was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Sent and charged.
    Sent,
    /// Queued for another attempt.
    Retry,
    /// Failed for good; the hold went back.
    Failed,
    /// Nothing: the claim was no longer ours, or the quota stopped the campaign.
    Nothing,
}

pub(super) fn guarded(d: &campaign_delivery::Model) -> UpdateMany<campaign_delivery::Entity> {
    campaign_delivery::Entity::update_many()
        .filter(campaign_delivery::Column::ShopId.eq(d.shop_id))
        .filter(campaign_delivery::Column::Id.eq(d.id))
        .filter(campaign_delivery::Column::Status.eq(DeliveryStatus::Sending))
        .filter(campaign_delivery::Column::Attempts.eq(d.attempts))
}

/// Puts the claimed delivery `d` back in the queue, due at `due`, without counting its
/// claim as an attempt (nothing was sent: the campaign stopped under it).
pub(super) fn unattempted(
    d: &campaign_delivery::Model,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> UpdateMany<campaign_delivery::Entity> {
    guarded(d)
        .col_expr(
            campaign_delivery::Column::Status,
            Expr::value(DeliveryStatus::Queued),
        )
        .col_expr(
            campaign_delivery::Column::Attempts,
            Expr::col(campaign_delivery::Column::Attempts).sub(1),
        )
        .col_expr(campaign_delivery::Column::NextAttemptAt, Expr::value(due))
        .col_expr(
            campaign_delivery::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(campaign_delivery::Column::UpdatedAt, Expr::value(now))
}

/// Records `outcome` of the claimed delivery `d` of campaign `row`.
pub async fn record(
    ctx: &Ctx,
    config: &DispatchConfig,
    row: &campaign::Model,
    d: &campaign_delivery::Model,
    outcome: SendOutcome,
) -> Result<Recorded> {
    let now = ctx.clock.now();
    let no_lease = Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None);
    match outcome {
        SendOutcome::Sent {
            provider_id,
            quota_left,
        } => {
            let done = guarded(d)
                .col_expr(
                    campaign_delivery::Column::Status,
                    Expr::value(DeliveryStatus::Sent),
                )
                .col_expr(campaign_delivery::Column::SentAt, Expr::value(now))
                .col_expr(
                    campaign_delivery::Column::AttributedUntil,
                    Expr::value(now + Duration::days(row.attribution_days)),
                )
                .col_expr(
                    campaign_delivery::Column::Cost,
                    Expr::col(campaign_delivery::Column::Held),
                )
                .col_expr(campaign_delivery::Column::Held, Expr::value(0i64))
                .col_expr(
                    campaign_delivery::Column::ProviderId,
                    Expr::value(provider_id),
                )
                .col_expr(campaign_delivery::Column::LeaseUntil, no_lease)
                .col_expr(
                    campaign_delivery::Column::ErrorCode,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(
                    campaign_delivery::Column::ErrorMessage,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(campaign_delivery::Column::UpdatedAt, Expr::value(now))
                .exec(&ctx.db)
                .await?;
            if quota_left == Some(0) {
                quota_stop(ctx, row, "the provider's daily quota is used up").await?;
            }
            Ok(if done.rows_affected == 1 {
                Recorded::Sent
            } else {
                Recorded::Nothing
            })
        }
        SendOutcome::Retry { code, message } if d.attempts < config.max_attempts => {
            let wait = backoff(d.attempts, config.backoff_base, config.backoff_max);
            let done = guarded(d)
                .col_expr(
                    campaign_delivery::Column::Status,
                    Expr::value(DeliveryStatus::Queued),
                )
                .col_expr(
                    campaign_delivery::Column::NextAttemptAt,
                    Expr::value(now + wait),
                )
                .col_expr(campaign_delivery::Column::LeaseUntil, no_lease)
                .col_expr(campaign_delivery::Column::ErrorCode, Expr::value(code))
                .col_expr(
                    campaign_delivery::Column::ErrorMessage,
                    Expr::value(clip(message)),
                )
                .col_expr(campaign_delivery::Column::UpdatedAt, Expr::value(now))
                .exec(&ctx.db)
                .await?;
            Ok(if done.rows_affected == 1 {
                Recorded::Retry
            } else {
                Recorded::Nothing
            })
        }
        SendOutcome::Retry { code, message } | SendOutcome::Failed { code, message } => {
            fail(ctx, d, code, message).await
        }
        SendOutcome::AccountStopped { reason } => {
            stop(&ctx.db, row, CampaignStatus::Paused, reason, None, now).await?;
            // Not an attempt: it goes out first when the campaign resumes.
            unattempted(d, now, now).exec(&ctx.db).await?;
            Ok(Recorded::Nothing)
        }
        SendOutcome::QuotaExhausted { code, message } => {
            let resume = quota_stop(ctx, row, &format!("{code} {message}")).await?;
            // Not an attempt: it goes out first when the quota renews.
            unattempted(d, resume, now).exec(&ctx.db).await?;
            Ok(Recorded::Nothing)
        }
    }
}

fn clip(message: String) -> String {
    message.chars().take(500).collect()
}

async fn fail(
    ctx: &Ctx,
    d: &campaign_delivery::Model,
    code: String,
    message: String,
) -> Result<Recorded> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    balance::lock(&txn, d.shop_id, now).await?;
    let done = guarded(d)
        .col_expr(
            campaign_delivery::Column::Status,
            Expr::value(DeliveryStatus::Failed),
        )
        .col_expr(campaign_delivery::Column::Held, Expr::value(0i64))
        .col_expr(campaign_delivery::Column::Cost, Expr::value(0i64))
        .col_expr(
            campaign_delivery::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(campaign_delivery::Column::ErrorCode, Expr::value(code))
        .col_expr(
            campaign_delivery::Column::ErrorMessage,
            Expr::value(clip(message)),
        )
        .col_expr(campaign_delivery::Column::UpdatedAt, Expr::value(now))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Ok(Recorded::Nothing);
    }
    balance::release(&txn, d.shop_id, d.held).await?;
    txn.commit().await?;
    Ok(Recorded::Failed)
}

/// Stops the campaign until the shop's next midnight; returns that instant.
async fn quota_stop(
    ctx: &Ctx,
    row: &campaign::Model,
    why: &str,
) -> Result<chrono::DateTime<chrono::Utc>> {
    let now = ctx.clock.now();
    let shop = crate::shops::load(&ctx.db, row.shop_id).await?;
    let resume = next_local_midnight(&shop, now);
    stop(
        &ctx.db,
        row,
        CampaignStatus::QuotaExhausted,
        format!("ZNS quota exhausted ({why}); resumes at {resume}"),
        Some(resume),
        now,
    )
    .await?;
    Ok(resume)
}
