//! Queuing a journey's occurrences as deliveries of its campaign: members outside the
//! campaign's audience get none, members without an address or opted out a SKIPPED one
//! (as a broadcast's recipients do), the others a QUEUED one. The insert skips
//! occurrences already queued (the unique index on shop, campaign, member and
//! occurrence), so queuing twice is harmless; the campaign counts only what was new, and
//! wakes (COMPLETED to SENDING) when a message waits.
use super::occurrences::Occurrence;
use crate::campaigns::audience::reached;
use crate::campaigns::recipients::row_for;
use crate::campaigns::{Campaign, CampaignStatus, DeliveryStatus};
use crate::members::filter::condition;
use crate::messaging::consent::opted_out_among;
use crate::shops::Shop;
use crate::{Ctx, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::{campaign, campaign_delivery, member};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, TransactionTrait,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Occurrences queued per transaction (rows of 22 columns, under SQLite's variable limit).
const CHUNK: usize = 500;

/// What queuing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Queued {
    /// New deliveries with a message to send.
    pub queued: u64,
    /// New deliveries skipped (no address, opted out).
    pub skipped: u64,
}

async fn insert<C: ConnectionTrait>(conn: &C, rows: Vec<campaign_delivery::Model>) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    Ok(campaign_delivery::Entity::insert_many(
        rows.into_iter().map(IntoActiveModel::into_active_model),
    )
    .on_conflict(
        OnConflict::columns([
            campaign_delivery::Column::ShopId,
            campaign_delivery::Column::CampaignId,
            campaign_delivery::Column::MemberId,
            campaign_delivery::Column::Occurrence,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?)
}

/// Queues `occurrences` on the journey's campaign `row`, a transaction per chunk.
pub async fn enqueue(
    ctx: &Ctx,
    shop: &Shop,
    row: &campaign::Model,
    occurrences: &[Occurrence],
    now: DateTime<Utc>,
) -> Result<Queued> {
    let mut total = Queued::default();
    if occurrences.is_empty() {
        return Ok(total);
    }
    let campaign = Campaign::from_row(row.clone())?;
    let Some(audience) = reached(&ctx.db, shop.id, &campaign).await? else {
        return Ok(total);
    };
    let channel = campaign.channel;
    for chunk in occurrences.chunks(CHUNK) {
        let mut ids: Vec<Uuid> = chunk.iter().map(|o| o.member_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let txn = ctx.db.begin().await?;
        let members: HashMap<Uuid, member::Model> = member::Entity::find()
            .filter(condition(&txn, shop, now, &audience).await?)
            .filter(Expr::col((member::Entity, member::Column::Id)).is_in(ids.clone()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let opted_out = opted_out_among(&txn, shop.id, channel, &ids).await?;
        let (mut queued, mut skipped) = (Vec::new(), Vec::new());
        for o in chunk {
            let Some(m) = members.get(&o.member_id) else {
                continue; // outside the audience
            };
            let mut d = row_for(shop.id, row.id, channel, m, opted_out.contains(&m.id), now);
            d.occurrence = Some(o.key.clone());
            d.fields = o.fields.stored();
            if d.status == DeliveryStatus::Skipped {
                skipped.push(d);
            } else {
                queued.push(d);
            }
        }
        let new = Queued {
            queued: insert(&txn, queued).await?,
            skipped: insert(&txn, skipped).await?,
        };
        if new != Queued::default() {
            count(&txn, row, new, now).await?;
        }
        txn.commit().await?;
        total.queued += new.queued;
        total.skipped += new.skipped;
    }
    Ok(total)
}

async fn count<C: ConnectionTrait>(
    conn: &C,
    row: &campaign::Model,
    new: Queued,
    now: DateTime<Utc>,
) -> Result<()> {
    let recipients = (new.queued + new.skipped) as i64;
    campaign::Entity::update_many()
        .col_expr(
            campaign::Column::Recipients,
            Expr::col(campaign::Column::Recipients).add(recipients),
        )
        .col_expr(
            campaign::Column::Skipped,
            Expr::col(campaign::Column::Skipped).add(new.skipped as i64),
        )
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .filter(campaign::Column::ShopId.eq(row.shop_id))
        .filter(campaign::Column::Id.eq(row.id))
        .exec(conn)
        .await?;
    if new.queued > 0 {
        // Resting: wake it. Paused, or stopped for balance or quota: it stays so, and
        // sends what waits when it goes on.
        campaign::Entity::update_many()
            .col_expr(
                campaign::Column::Status,
                Expr::value(CampaignStatus::Sending.as_str()),
            )
            .filter(campaign::Column::ShopId.eq(row.shop_id))
            .filter(campaign::Column::Id.eq(row.id))
            .filter(campaign::Column::Status.eq(CampaignStatus::Completed.as_str()))
            .exec(conn)
            .await?;
    }
    Ok(())
}
