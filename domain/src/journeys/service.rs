//! Writing and steering journeys: create, pause, resume, read. Each write is one
//! transaction; pausing and resuming also pause and wake the journey's campaign, so
//! queued messages wait with it.
use super::{Journey, JourneySpec, JourneyStatus};
use crate::campaigns::service::{check_refs, json};
use crate::campaigns::{CampaignStatus, JOURNEY};
use crate::events::subscriptions;
use crate::paging::Page;
use crate::{Ctx, DomainError, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::{campaign, journey};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// Saves a new ACTIVE journey and its campaign; occurrences from now on are sent.
pub async fn create(ctx: &Ctx, shop_id: Uuid, spec: JourneySpec) -> Result<Journey> {
    let (name, window, days) = spec.check().await?;
    let c = &spec.campaign;
    ctx.zns_templates
        .check_content(ctx, shop_id, &c.content)
        .await?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    check_refs(&txn, shop_id, c).await?;
    let campaign_row = campaign::Model {
        shop_id,
        id: new_id(),
        name: name.clone(),
        channel: c.content.channel().as_str().to_owned(),
        // Resting: nothing queued yet. Queuing an occurrence wakes it (SENDING).
        status: CampaignStatus::Completed.as_str().to_owned(),
        audience: json(&c.audience)?,
        content: json(&c.content)?,
        offer_id: c.offer_id,
        attribution_days: window,
        include_non_members: c.include_non_members,
        scheduled_at: None,
        started_at: Some(now),
        finished_at: None,
        resume_at: None,
        status_reason: None,
        recipients: 0,
        skipped: 0,
        created_at: now,
        updated_at: now,
        kind: JOURNEY.to_owned(),
    };
    campaign::Entity::insert(campaign_row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    let row = journey::Model {
        shop_id,
        id: new_id(),
        campaign_id: campaign_row.id,
        name,
        trigger: spec.trigger.as_str().to_owned(),
        days,
        status: JourneyStatus::Active.as_str().to_owned(),
        scanned_until: now,
        event_mark: new_id(),
        created_at: now,
        updated_at: now,
    };
    journey::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    crate::audit::record(&txn, shop_id, &[row.id]).await?;
    txn.commit().await?;
    // Tier journeys read the outbox: this shop's tier changes are written from now on.
    subscriptions::forget(shop_id);
    Journey::from_row(row)
}

async fn locked(txn: &DatabaseTransaction, shop_id: Uuid, id: Uuid) -> Result<journey::Model> {
    journey::Entity::find_by_id((shop_id, id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("journey not found".into()))
}

async fn set_campaign<C: ConnectionTrait>(
    conn: &C,
    row: &journey::Model,
    from: &[CampaignStatus],
    to: CampaignStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    campaign::Entity::update_many()
        .col_expr(campaign::Column::Status, Expr::value(to.as_str()))
        .col_expr(
            campaign::Column::StatusReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .filter(campaign::Column::ShopId.eq(row.shop_id))
        .filter(campaign::Column::Id.eq(row.campaign_id))
        .filter(campaign::Column::Status.is_in(from.iter().map(|s| s.as_str())))
        .exec(conn)
        .await?;
    Ok(())
}

/// Pauses an active journey: nothing more is queued, and its queued messages wait.
pub async fn pause(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Journey> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let mut row = locked(&txn, shop_id, id).await?;
    if row.status != JourneyStatus::Active.as_str() {
        return Err(DomainError::Conflict(
            "the journey is already paused".into(),
        ));
    }
    row.status = JourneyStatus::Paused.as_str().to_owned();
    row.updated_at = now;
    journey::Entity::update(row.clone().into_active_model().reset_all())
        .exec(&txn)
        .await?;
    let open = [
        CampaignStatus::Sending,
        CampaignStatus::Completed,
        CampaignStatus::OutOfBalance,
        CampaignStatus::QuotaExhausted,
    ];
    set_campaign(&txn, &row, &open, CampaignStatus::Paused, now).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    subscriptions::forget(shop_id);
    Journey::from_row(row)
}

/// Resumes a paused journey: occurrences from now on are queued (those that came while
/// it was paused are not), and its queued messages go out.
pub async fn resume(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Journey> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let mut row = locked(&txn, shop_id, id).await?;
    if row.status != JourneyStatus::Paused.as_str() {
        return Err(DomainError::Conflict("the journey is not paused".into()));
    }
    row.status = JourneyStatus::Active.as_str().to_owned();
    row.scanned_until = now;
    row.event_mark = new_id();
    row.updated_at = now;
    journey::Entity::update(row.clone().into_active_model().reset_all())
        .exec(&txn)
        .await?;
    // SENDING: the workers send what waits, and settle it COMPLETED when nothing does.
    set_campaign(
        &txn,
        &row,
        &[CampaignStatus::Paused],
        CampaignStatus::Sending,
        now,
    )
    .await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    subscriptions::forget(shop_id);
    Journey::from_row(row)
}

/// One journey.
pub async fn get<C: ConnectionTrait>(conn: &C, shop_id: Uuid, id: Uuid) -> Result<Option<Journey>> {
    journey::Entity::find_by_id((shop_id, id))
        .one(conn)
        .await?
        .map(Journey::from_row)
        .transpose()
}

/// The shop's journeys, newest first, a page at a time.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Page<Uuid, Journey>> {
    let mut q = journey::Entity::find().filter(journey::Column::ShopId.eq(shop_id));
    if let Some(b) = before {
        q = q.filter(journey::Column::Id.lt(b));
    }
    let rows = q
        .order_by_desc(journey::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| Ok((r.id, Journey::from_row(r)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit))
}
