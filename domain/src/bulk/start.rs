//! Asking for a bulk action: the members the filter matches now are frozen into the
//! job's items, with the job row, in one transaction.
use super::job::{BulkAction, BulkJob, BulkKind, BulkParams, BulkStatus, ItemState};
use crate::ids::new_id;
use crate::ledger::adjust::validate_change;
use crate::ledger::idempotency::request_hash;
use crate::members::MemberFilter;
use crate::members::filter::condition;
use crate::offers::Offer;
use crate::{Ctx, DomainError, Result, shops};
use loyalty_entities::{bulk_job, bulk_job_item, member, offer};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
    TryInsertResult,
};
use uuid::Uuid;

/// Most members one job may hold: beyond it the request is refused (`LimitExceeded`)
/// and nothing is written; narrow the filter.
pub const MAX_MEMBERS: u64 = 1_000_000;

/// A bulk action over the members a filter matches.
#[derive(Debug, Clone)]
pub struct BulkRequest {
    /// What to do to each member.
    pub action: BulkAction,
    /// Which members (the `saved` filter included).
    pub filter: MemberFilter,
    /// Asking again with the same key returns the same job; `None` makes a new job.
    pub idempotency_key: Option<String>,
}

fn checked_key(key: Option<&str>) -> Result<Option<String>> {
    key.map(|k| {
        let k = k.trim();
        if k.is_empty() || k.chars().count() > 200 {
            Err(DomainError::invalid(
                "idempotencyKey",
                "an idempotency key has 1 to 200 characters",
            ))
        } else {
            Ok(k.to_owned())
        }
    })
    .transpose()
}

/// The job earlier asked for with `key`, or `Conflict` if it was asked with other
/// parameters.
async fn replay<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    kind: BulkKind,
    key: &str,
    hash: &str,
) -> Result<Option<BulkJob>> {
    let found = bulk_job::Entity::find()
        .filter(bulk_job::Column::ShopId.eq(shop_id))
        .filter(bulk_job::Column::Kind.eq(kind.as_str()))
        .filter(bulk_job::Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?;
    match found {
        None => Ok(None),
        Some(row) if row.request_hash == hash => Ok(Some(BulkJob::from_row(&row)?)),
        Some(_) => Err(DomainError::Conflict(format!(
            "idempotencyKey '{key}' was already used for a different bulk request"
        ))),
    }
}

/// Refuses an action that could not apply to anyone (a bad amount, a missing or
/// archived offer, an inactive program for points), before anything is written.
async fn check_action<C: ConnectionTrait>(
    ctx: &Ctx,
    conn: &C,
    shop_id: Uuid,
    action: &BulkAction,
) -> Result<()> {
    match action {
        BulkAction::AdjustPoints { .. } => {
            ctx.policies.current(conn, shop_id).await?.require_active()
        }
        BulkAction::RegisterMembers => Ok(()),
        BulkAction::IssueVouchers { offer_id } => {
            let row = offer::Entity::find_by_id((shop_id, *offer_id))
                .one(conn)
                .await?
                .ok_or_else(|| DomainError::NotFound("offer not found".into()))?;
            if Offer::from_row(row)?.is_active() {
                Ok(())
            } else {
                Err(DomainError::invalid("offerId", "the offer is archived"))
            }
        }
    }
}

/// Creates the job with the members matching now, or returns the job made earlier with
/// the same idempotency key and parameters. The runner applies it later.
pub async fn start(ctx: &Ctx, shop_id: Uuid, request: BulkRequest) -> Result<BulkJob> {
    request.filter.validate()?;
    if let BulkAction::AdjustPoints { points, reason } = &request.action {
        validate_change(*points, reason)?;
    }
    let key = checked_key(request.idempotency_key.as_deref())?;
    let kind = request.action.kind();
    let params = BulkParams {
        action: request.action,
        filter: request.filter,
    };
    let hash = request_hash(&params);
    let json = serde_json::to_string(&params)
        .map_err(|e| DomainError::Internal(format!("bulk params: {e}")))?;

    let txn = ctx.db.begin().await?;
    if let Some(key) = &key
        && let Some(job) = replay(&txn, shop_id, kind, key, &hash).await?
    {
        return Ok(job);
    }
    check_action(ctx, &txn, shop_id, &params.action).await?;
    let now = ctx.clock.now();
    let shop = shops::load(&txn, shop_id).await?;
    let matching = condition(&txn, &shop, now, &params.filter).await?;

    let id = new_id();
    let key = key.unwrap_or_else(|| id.to_string());
    let mut row = bulk_job::Model {
        shop_id,
        id,
        kind: kind.as_str().to_owned(),
        params: json,
        idempotency_key: key.clone(),
        request_hash: hash.clone(),
        status: BulkStatus::Queued.as_str().to_owned(),
        total: 0,
        done: 0,
        failed: 0,
        lease_until: None,
        created_at: now,
        finished_at: None,
        actor_key_id: crate::audit::current_key(),
    };
    // A concurrent request with the same key waits here until the first commits, then
    // replays its job.
    let inserted = bulk_job::Entity::insert(bulk_job::ActiveModel {
        shop_id: Set(row.shop_id),
        id: Set(row.id),
        kind: Set(row.kind.clone()),
        params: Set(row.params.clone()),
        idempotency_key: Set(row.idempotency_key.clone()),
        request_hash: Set(row.request_hash.clone()),
        status: Set(row.status.clone()),
        total: Set(0),
        done: Set(0),
        failed: Set(0),
        lease_until: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
        actor_key_id: Set(row.actor_key_id),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&txn)
    .await?;
    if !matches!(inserted, TryInsertResult::Inserted(1)) {
        return replay(&txn, shop_id, kind, &key, &hash)
            .await?
            .ok_or_else(|| {
                DomainError::Conflict(format!(
                    "'{key}' is being used by a concurrent request; retry"
                ))
            });
    }

    // One INSERT ... SELECT with the listing's own condition: the frozen set is exactly
    // what `members(filter, saved)` shows now. One more row than allowed tells an
    // oversized set without counting it twice.
    let mut members = Query::select();
    members
        .expr(Expr::val(shop_id))
        .expr(Expr::val(id))
        .column((member::Entity, member::Column::Id))
        .expr(Expr::val(ItemState::Pending.as_str()))
        .from(member::Entity)
        .cond_where(matching)
        .limit(MAX_MEMBERS + 1);
    let mut insert = Query::insert();
    insert
        .into_table(bulk_job_item::Entity)
        .columns([
            bulk_job_item::Column::ShopId,
            bulk_job_item::Column::JobId,
            bulk_job_item::Column::MemberId,
            bulk_job_item::Column::State,
        ])
        .select_from(members)
        .map_err(|e| DomainError::Internal(format!("bulk items: {e}")))?;
    let total = txn.execute(&insert).await?.rows_affected();
    if total > MAX_MEMBERS {
        return Err(DomainError::LimitExceeded(format!(
            "the filter matches more than {MAX_MEMBERS} members; narrow it"
        )));
    }
    row.total = total as i64;
    if total == 0 {
        row.status = BulkStatus::Done.as_str().to_owned();
        row.finished_at = Some(now);
    }
    bulk_job::Entity::update_many()
        .col_expr(bulk_job::Column::Total, Expr::value(row.total))
        .col_expr(bulk_job::Column::Status, Expr::value(row.status.clone()))
        .col_expr(bulk_job::Column::FinishedAt, Expr::value(row.finished_at))
        .filter(bulk_job::Column::ShopId.eq(shop_id))
        .filter(bulk_job::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    crate::audit::record(&txn, shop_id, &[id]).await?;
    txn.commit().await?;
    BulkJob::from_row(&row)
}
