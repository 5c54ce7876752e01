//! Campaign moves the workers make: starting scheduled ones, resuming after a quota
//! stop, completing those with nothing left to send.
use crate::campaigns::{CampaignStatus, DeliveryStatus, recipients};
use crate::events::{Event, EventType, emit};
use crate::{Ctx, Result};
use loyalty_entities::{campaign, campaign_delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use serde_json::json;

/// Starts SCHEDULED campaigns whose time has come: recipients frozen, SENDING.
pub async fn start_due(ctx: &Ctx) -> Result<u64> {
    let now = ctx.clock.now();
    let due: Vec<campaign::Model> = campaign::Entity::find()
        .filter(campaign::Column::Status.eq(CampaignStatus::Scheduled.as_str()))
        .filter(campaign::Column::ScheduledAt.lte(now))
        .limit(20)
        .all(&ctx.db)
        .await?;
    let mut started = 0;
    for row in due {
        let shop = crate::shops::load(&ctx.db, row.shop_id).await?;
        let txn = ctx.db.begin().await?;
        let current = campaign::Entity::find_by_id((row.shop_id, row.id))
            .lock_exclusive()
            .one(&txn)
            .await?;
        // Another worker, or the merchant, got there first.
        let Some(current) = current.filter(|c| c.status == CampaignStatus::Scheduled.as_str())
        else {
            continue;
        };
        recipients::freeze(&txn, &shop, current, now).await?;
        txn.commit().await?;
        started += 1;
    }
    Ok(started)
}

/// Campaigns stopped by the provider's quota go on once their time has come.
pub async fn resume_after_quota(ctx: &Ctx) -> Result<u64> {
    let now = ctx.clock.now();
    Ok(campaign::Entity::update_many()
        .col_expr(
            campaign::Column::Status,
            Expr::value(CampaignStatus::Sending.as_str()),
        )
        .col_expr(
            campaign::Column::StatusReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .filter(campaign::Column::Status.eq(CampaignStatus::QuotaExhausted.as_str()))
        .filter(campaign::Column::ResumeAt.lte(now))
        .exec(&ctx.db)
        .await?
        .rows_affected)
}

/// Of the campaigns that were SENDING this round, those none of whose deliveries is
/// queued or in flight are COMPLETED (the update is guarded: one paused or stopped
/// meanwhile stays as it is). Returns how many completed, and how many deliveries the
/// others still have queued or in flight (the queue depth).
pub async fn complete_finished(ctx: &Ctx, sending: &[campaign::Model]) -> Result<(u64, u64)> {
    let now = ctx.clock.now();
    let (mut completed, mut depth) = (0, 0);
    for row in sending {
        let open = campaign_delivery::Entity::find()
            .filter(campaign_delivery::Column::ShopId.eq(row.shop_id))
            .filter(campaign_delivery::Column::CampaignId.eq(row.id))
            .filter(
                campaign_delivery::Column::Status
                    .is_in([DeliveryStatus::Queued, DeliveryStatus::Sending]),
            )
            .count(&ctx.db)
            .await?;
        if open > 0 {
            depth += open;
            continue;
        }
        let txn = ctx.db.begin().await?;
        let done = campaign::Entity::update_many()
            .col_expr(
                campaign::Column::Status,
                Expr::value(CampaignStatus::Completed.as_str()),
            )
            .col_expr(campaign::Column::FinishedAt, Expr::value(now))
            .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
            .filter(campaign::Column::ShopId.eq(row.shop_id))
            .filter(campaign::Column::Id.eq(row.id))
            .filter(campaign::Column::Status.eq(CampaignStatus::Sending.as_str()))
            .exec(&txn)
            .await?;
        // A journey's campaign rests between occurrences: it has not finished.
        if done.rows_affected == 1 && row.kind == crate::campaigns::BROADCAST {
            let event = Event::shop(
                EventType::CampaignCompleted,
                json!({"campaignId": row.id, "name": row.name, "channel": row.channel, "finishedAt": now}),
            );
            emit(&txn, row.shop_id, vec![event], now).await?;
        }
        txn.commit().await?;
        completed += done.rows_affected;
    }
    Ok((completed, depth))
}
