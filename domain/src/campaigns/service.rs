//! Writing and steering campaigns: create, edit while DRAFT, schedule or send now,
//! pause, resume, cancel. Each is one transaction with a guarded status change, so two
//! merchants clicking at once cannot both win.
use super::{Campaign, CampaignSpec, CampaignStatus, DeliveryStatus, recipients};
use crate::offers::Offer;
use crate::paging::Page;
use crate::shops::Shop;
use crate::sql::sum_bigint;
use crate::{Ctx, DomainError, Result, ids::new_id};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use loyalty_entities::{campaign, campaign_delivery, offer, segment};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// Checks that the spec's segment and offer exist, the offer active.
pub(crate) async fn check_refs<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    spec: &CampaignSpec,
) -> Result<()> {
    if let Some(id) = spec.audience.segment_id {
        segment::Entity::find_by_id((shop_id, id))
            .one(conn)
            .await?
            .ok_or_else(|| DomainError::NotFound("segment not found".into()))?;
    }
    if let Some(id) = spec.offer_id {
        let row = offer::Entity::find_by_id((shop_id, id))
            .one(conn)
            .await?
            .ok_or_else(|| DomainError::NotFound("offer not found".into()))?;
        if !Offer::from_row(row)?.is_active() {
            return Err(DomainError::invalid("offerId", "the offer is archived"));
        }
    }
    Ok(())
}

/// A value's stored JSON.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| DomainError::Internal(e.to_string()))
}

/// Saves a new DRAFT campaign; a ZNS campaign's parameters are checked against its
/// template when Zalo knows it (see [`crate::messaging::zns::templates`]).
pub async fn create(ctx: &Ctx, shop_id: Uuid, spec: CampaignSpec) -> Result<Campaign> {
    let (name, days) = spec.check().await?;
    ctx.zns_templates
        .check_content(ctx, shop_id, &spec.content)
        .await?;
    check_refs(&ctx.db, shop_id, &spec).await?;
    let now = ctx.clock.now();
    let row = campaign::Model {
        shop_id,
        id: new_id(),
        name,
        channel: spec.content.channel().as_str().to_owned(),
        status: CampaignStatus::Draft.as_str().to_owned(),
        audience: json(&spec.audience)?,
        content: json(&spec.content)?,
        offer_id: spec.offer_id,
        attribution_days: days,
        include_non_members: spec.include_non_members,
        scheduled_at: None,
        started_at: None,
        finished_at: None,
        resume_at: None,
        status_reason: None,
        recipients: 0,
        skipped: 0,
        created_at: now,
        updated_at: now,
        kind: super::BROADCAST.to_owned(),
    };
    let txn = ctx.db.begin().await?;
    campaign::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    crate::audit::record(&txn, shop_id, &[row.id]).await?;
    txn.commit().await?;
    Campaign::from_row(row)
}

async fn locked(txn: &DatabaseTransaction, shop_id: Uuid, id: Uuid) -> Result<campaign::Model> {
    let row = campaign::Entity::find_by_id((shop_id, id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("campaign not found".into()))?;
    // A journey's campaign never finishes: it is steered through its journey.
    if row.kind != super::BROADCAST {
        return Err(DomainError::Conflict(
            "this campaign sends a journey's messages; pause or resume the journey".into(),
        ));
    }
    Ok(row)
}

fn wrong_state(status: CampaignStatus, action: &str) -> DomainError {
    DomainError::Conflict(format!("a {} campaign cannot be {action}", status.as_str()))
}

/// Replaces a DRAFT campaign's content, audience and offer.
pub async fn update(ctx: &Ctx, shop_id: Uuid, id: Uuid, spec: CampaignSpec) -> Result<Campaign> {
    let (name, days) = spec.check().await?;
    // Zalo is asked before the transaction: no lock is held across its answer.
    ctx.zns_templates
        .check_content(ctx, shop_id, &spec.content)
        .await?;
    let txn = ctx.db.begin().await?;
    let mut row = locked(&txn, shop_id, id).await?;
    let status = CampaignStatus::parse(&row.status)?;
    if status != CampaignStatus::Draft {
        return Err(wrong_state(status, "edited; only a DRAFT can"));
    }
    check_refs(&txn, shop_id, &spec).await?;
    row.name = name;
    row.channel = spec.content.channel().as_str().to_owned();
    row.audience = json(&spec.audience)?;
    row.content = json(&spec.content)?;
    row.offer_id = spec.offer_id;
    row.attribution_days = days;
    row.include_non_members = spec.include_non_members;
    row.updated_at = ctx.clock.now();
    campaign::Entity::update(row.clone().into_active_model().reset_all())
        .exec(&txn)
        .await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Campaign::from_row(row)
}

/// Checks the stored templates of a DRAFT or SCHEDULED campaign about to be scheduled or
/// sent, as saving does: one saved before the template limits (or under looser ones) is
/// refused here with the field to fix, rather than failing every delivery. Read before
/// the caller's transaction, so no lock is held while it renders; the content can only
/// change through [`update`], which checks it too.
async fn check_stored(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<()> {
    if let Some(c) = get(&ctx.db, shop_id, id).await?
        && matches!(c.status, CampaignStatus::Draft | CampaignStatus::Scheduled)
    {
        c.content.check().await?;
    }
    Ok(())
}

/// The UTC instant of a wall-clock time in the shop's zone.
pub fn local_to_utc(shop: &Shop, local: NaiveDateTime) -> Result<DateTime<Utc>> {
    shop.time_zone
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| DomainError::invalid("at", "that time does not exist in the shop's zone"))
}

/// Schedules a DRAFT (or reschedules a SCHEDULED) campaign for `at`, a wall-clock time in
/// the shop's time zone.
pub async fn schedule(ctx: &Ctx, shop_id: Uuid, id: Uuid, at: NaiveDateTime) -> Result<Campaign> {
    let shop = crate::shops::load(&ctx.db, shop_id).await?;
    let at = local_to_utc(&shop, at)?;
    let now = ctx.clock.now();
    if at <= now {
        return Err(DomainError::invalid("at", "the time has passed"));
    }
    check_stored(ctx, shop_id, id).await?;
    let txn = ctx.db.begin().await?;
    let mut row = locked(&txn, shop_id, id).await?;
    let status = CampaignStatus::parse(&row.status)?;
    if !matches!(status, CampaignStatus::Draft | CampaignStatus::Scheduled) {
        return Err(wrong_state(status, "scheduled"));
    }
    row.status = CampaignStatus::Scheduled.as_str().to_owned();
    row.scheduled_at = Some(at);
    row.updated_at = now;
    campaign::Entity::update(row.clone().into_active_model().reset_all())
        .exec(&txn)
        .await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Campaign::from_row(row)
}

/// Starts a DRAFT or SCHEDULED campaign now: its recipients are frozen in this
/// transaction and the workers begin sending.
pub async fn send_now(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Campaign> {
    let shop = crate::shops::load(&ctx.db, shop_id).await?;
    check_stored(ctx, shop_id, id).await?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let row = locked(&txn, shop_id, id).await?;
    let status = CampaignStatus::parse(&row.status)?;
    if !matches!(status, CampaignStatus::Draft | CampaignStatus::Scheduled) {
        return Err(wrong_state(status, "sent"));
    }
    let row = recipients::freeze(&txn, &shop, row, now).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Campaign::from_row(row)
}

async fn set_status(
    txn: &DatabaseTransaction,
    mut row: campaign::Model,
    to: CampaignStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<campaign::Model> {
    row.status = to.as_str().to_owned();
    row.status_reason = reason;
    row.updated_at = now;
    if to.is_final() {
        row.finished_at = Some(now);
    }
    campaign::Entity::update(row.clone().into_active_model().reset_all())
        .exec(txn)
        .await?;
    Ok(row)
}

/// Pauses a scheduled or sending campaign; messages already handed to the provider
/// finish, nothing new goes out.
pub async fn pause(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Campaign> {
    let txn = ctx.db.begin().await?;
    let row = locked(&txn, shop_id, id).await?;
    let status = CampaignStatus::parse(&row.status)?;
    if !status.can_pause() {
        return Err(wrong_state(status, "paused"));
    }
    let row = set_status(&txn, row, CampaignStatus::Paused, None, ctx.clock.now()).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Campaign::from_row(row)
}

/// Resumes a paused campaign: sending again if it had started, else scheduled.
pub async fn resume(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Campaign> {
    let txn = ctx.db.begin().await?;
    let row = locked(&txn, shop_id, id).await?;
    let status = CampaignStatus::parse(&row.status)?;
    if status != CampaignStatus::Paused {
        return Err(wrong_state(status, "resumed"));
    }
    let to = if row.started_at.is_some() {
        CampaignStatus::Sending
    } else {
        CampaignStatus::Scheduled
    };
    let row = set_status(&txn, row, to, None, ctx.clock.now()).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Campaign::from_row(row)
}

/// Cancels a campaign that has not finished; its unsent recipients are cancelled.
pub async fn cancel(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Campaign> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    // The account first, then the campaign: the order every writer of both takes.
    crate::messaging::balance::lock(&txn, shop_id, now).await?;
    let row = locked(&txn, shop_id, id).await?;
    let status = CampaignStatus::parse(&row.status)?;
    if status.is_final() {
        return Err(wrong_state(status, "cancelled"));
    }
    // Deliveries a worker is sending right now finish and are recorded; queued ones are
    // cancelled and what they held (after a failed attempt) goes back.
    let queued = || {
        campaign_delivery::Entity::find()
            .filter(campaign_delivery::Column::ShopId.eq(shop_id))
            .filter(campaign_delivery::Column::CampaignId.eq(id))
            .filter(campaign_delivery::Column::Status.eq(DeliveryStatus::Queued))
    };
    let held: Option<i64> = queued()
        .select_only()
        .expr_as(
            sum_bigint(Expr::col(campaign_delivery::Column::Held)),
            "held",
        )
        .into_tuple()
        .one(&txn)
        .await?;
    crate::messaging::balance::release(&txn, shop_id, held.unwrap_or(0)).await?;
    campaign_delivery::Entity::update_many()
        .col_expr(
            campaign_delivery::Column::Status,
            Expr::value(DeliveryStatus::Cancelled),
        )
        .col_expr(campaign_delivery::Column::Held, Expr::value(0i64))
        .col_expr(campaign_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(campaign_delivery::Column::ShopId.eq(shop_id))
        .filter(campaign_delivery::Column::CampaignId.eq(id))
        .filter(campaign_delivery::Column::Status.eq(DeliveryStatus::Queued))
        .exec(&txn)
        .await?;
    let row = set_status(&txn, row, CampaignStatus::Cancelled, None, now).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Campaign::from_row(row)
}

/// One campaign.
pub async fn get<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    id: Uuid,
) -> Result<Option<Campaign>> {
    campaign::Entity::find_by_id((shop_id, id))
        .one(conn)
        .await?
        .map(Campaign::from_row)
        .transpose()
}

/// The shop's campaigns, newest first, optionally in one status, a page at a time.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    status: Option<CampaignStatus>,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Page<Uuid, Campaign>> {
    let mut q = campaign::Entity::find()
        .filter(campaign::Column::ShopId.eq(shop_id))
        .filter(campaign::Column::Kind.eq(super::BROADCAST));
    if let Some(s) = status {
        q = q.filter(campaign::Column::Status.eq(s.as_str()));
    }
    if let Some(b) = before {
        q = q.filter(campaign::Column::Id.lt(b));
    }
    let rows = q
        .order_by_desc(campaign::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| Ok((r.id, Campaign::from_row(r)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit))
}

/// How many members the campaign reaches right now (a preview before sending).
pub async fn audience_size<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    now: DateTime<Utc>,
    campaign: &Campaign,
) -> Result<u64> {
    match super::audience::reached(conn, shop.id, campaign).await? {
        Some(filter) => crate::members::listing::count(conn, shop, now, &filter).await,
        None => Ok(0),
    }
}
