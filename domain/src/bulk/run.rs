//! The bulk runner: claims a job's next batch under a lease, applies each pending
//! member, and records progress, all in the batch's transaction.
use super::apply::{Prepared, apply, refused_for_member};
use super::job::{BulkParams, BulkStatus, ItemState};
use crate::events::{Event, EventType, emit};
use crate::{Ctx, Result};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use loyalty_entities::{bulk_job, bulk_job_item};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

/// How the runner works.
#[derive(Debug, Clone, Copy)]
pub struct BulkConfig {
    /// Members per batch (one transaction).
    pub batch: u64,
    /// How long a batch is a runner's own; after it another runner may take the job over
    /// (its first runner died).
    pub lease: Duration,
}

impl Default for BulkConfig {
    fn default() -> Self {
        Self {
            batch: 200,
            lease: Duration::seconds(60),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Batches run.
    pub batches: u64,
    /// Members applied.
    pub done: u64,
    /// Members refused.
    pub failed: u64,
    /// Jobs finished.
    pub finished: u64,
}

fn active() -> Condition {
    Condition::any()
        .add(bulk_job::Column::Status.eq(BulkStatus::Queued.as_str()))
        .add(bulk_job::Column::Status.eq(BulkStatus::Running.as_str()))
}

fn unleased(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(bulk_job::Column::LeaseUntil.is_null())
        .add(bulk_job::Column::LeaseUntil.lt(now))
}

/// Takes the oldest unleased active job of any shop for one batch; returns it with the
/// lease taken.
async fn claim(ctx: &Ctx, config: &BulkConfig) -> Result<Option<(bulk_job::Model, DateTime<Utc>)>> {
    let now = ctx.clock.now();
    let candidates = bulk_job::Entity::find()
        .filter(active())
        .filter(unleased(now))
        .order_by_asc(bulk_job::Column::CreatedAt)
        .limit(20)
        .all(&ctx.db)
        .await?;
    // Whole seconds: the lease is compared for equality when released, and PostgreSQL
    // keeps microseconds only.
    let lease = (now + config.lease).trunc_subsecs(0);
    for job in candidates {
        let taken = bulk_job::Entity::update_many()
            .col_expr(
                bulk_job::Column::Status,
                Expr::value(BulkStatus::Running.as_str()),
            )
            .col_expr(bulk_job::Column::LeaseUntil, Expr::value(lease))
            .filter(bulk_job::Column::ShopId.eq(job.shop_id))
            .filter(bulk_job::Column::Id.eq(job.id))
            .filter(active())
            .filter(unleased(now))
            .exec(&ctx.db)
            .await?;
        if taken.rows_affected == 1 {
            return Ok(Some((job, lease)));
        }
    }
    Ok(None)
}

/// Marks a job whose stored parameters cannot be read as FAILED.
async fn give_up(ctx: &Ctx, job: &bulk_job::Model, why: &str) -> Result<()> {
    tracing::error!(job = %job.id, shop = %job.shop_id, why, "bulk job cannot run");
    bulk_job::Entity::update_many()
        .col_expr(
            bulk_job::Column::Status,
            Expr::value(BulkStatus::Failed.as_str()),
        )
        .col_expr(bulk_job::Column::FinishedAt, Expr::value(ctx.clock.now()))
        .col_expr(
            bulk_job::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(bulk_job::Column::ShopId.eq(job.shop_id))
        .filter(bulk_job::Column::Id.eq(job.id))
        .exec(&ctx.db)
        .await?;
    Ok(())
}

fn item(shop_id: Uuid, job_id: Uuid, member_id: Uuid) -> Condition {
    Condition::all()
        .add(bulk_job_item::Column::ShopId.eq(shop_id))
        .add(bulk_job_item::Column::JobId.eq(job_id))
        .add(bulk_job_item::Column::MemberId.eq(member_id))
        .add(bulk_job_item::Column::State.eq(ItemState::Pending.as_str()))
}

/// One batch of `job`, leased until `lease`, in one transaction.
async fn batch(
    ctx: &Ctx,
    config: &BulkConfig,
    job: &bulk_job::Model,
    lease: DateTime<Utc>,
) -> Result<RunReport> {
    let params: BulkParams = match serde_json::from_str(&job.params) {
        Ok(p) => p,
        Err(e) => {
            give_up(ctx, job, &e.to_string()).await?;
            return Ok(RunReport::default());
        }
    };
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let prepared = Prepared::load(&txn, job.shop_id, &params.action).await?;
    let pending: Vec<Uuid> = bulk_job_item::Entity::find()
        .select_only()
        .column(bulk_job_item::Column::MemberId)
        .filter(bulk_job_item::Column::ShopId.eq(job.shop_id))
        .filter(bulk_job_item::Column::JobId.eq(job.id))
        .filter(bulk_job_item::Column::State.eq(ItemState::Pending.as_str()))
        .order_by_asc(bulk_job_item::Column::MemberId)
        .limit(config.batch)
        .into_tuple()
        .all(&txn)
        .await?;
    let mut report = RunReport {
        batches: 1,
        ..RunReport::default()
    };
    for member_id in pending {
        // A savepoint per member: a refusal undoes that member's writes only.
        let member = txn.begin().await?;
        // Only a pending item is applied: a runner whose lease ran out while another
        // took over finds it done (on PostgreSQL it waits for the other's commit).
        let taken = bulk_job_item::Entity::update_many()
            .col_expr(
                bulk_job_item::Column::State,
                Expr::value(ItemState::Done.as_str()),
            )
            .filter(item(job.shop_id, job.id, member_id))
            .exec(&member)
            .await?;
        if taken.rows_affected != 1 {
            member.rollback().await?;
            continue;
        }
        match apply(ctx, &member, job.shop_id, job.id, member_id, &prepared, now).await {
            Ok(()) => {
                member.commit().await?;
                report.done += 1;
            }
            Err(e) if refused_for_member(&e) => {
                member.rollback().await?;
                bulk_job_item::Entity::update_many()
                    .col_expr(
                        bulk_job_item::Column::State,
                        Expr::value(ItemState::Failed.as_str()),
                    )
                    .col_expr(bulk_job_item::Column::Error, Expr::value(e.to_string()))
                    .filter(item(job.shop_id, job.id, member_id))
                    .exec(&txn)
                    .await?;
                report.failed += 1;
            }
            Err(e) => return Err(e),
        }
    }
    let left = bulk_job_item::Entity::find()
        .select_only()
        .column(bulk_job_item::Column::MemberId)
        .filter(bulk_job_item::Column::ShopId.eq(job.shop_id))
        .filter(bulk_job_item::Column::JobId.eq(job.id))
        .filter(bulk_job_item::Column::State.eq(ItemState::Pending.as_str()))
        .limit(1)
        .into_tuple::<Uuid>()
        .one(&txn)
        .await?;
    let mut progress = bulk_job::Entity::update_many()
        .col_expr(
            bulk_job::Column::Done,
            Expr::col(bulk_job::Column::Done).add(report.done as i64),
        )
        .col_expr(
            bulk_job::Column::Failed,
            Expr::col(bulk_job::Column::Failed).add(report.failed as i64),
        )
        .filter(bulk_job::Column::ShopId.eq(job.shop_id))
        .filter(bulk_job::Column::Id.eq(job.id));
    if left.is_none() {
        progress = progress
            .col_expr(
                bulk_job::Column::Status,
                Expr::value(BulkStatus::Done.as_str()),
            )
            .col_expr(bulk_job::Column::FinishedAt, Expr::value(now))
            .col_expr(
                bulk_job::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            );
        report.finished = 1;
    }
    progress.exec(&txn).await?;
    if left.is_none() {
        let event = Event::shop(
            EventType::BulkJobCompleted,
            json!({
                "jobId": job.id,
                "kind": job.kind,
                "total": job.total,
                "done": job.done + report.done as i64,
                "failed": job.failed + report.failed as i64,
                "finishedAt": now,
            }),
        );
        emit(&txn, job.shop_id, vec![event], now).await?;
    }
    if left.is_some() {
        release(&txn, job, lease).await?;
    }
    txn.commit().await?;
    Ok(report)
}

/// Lets the next batch be claimed at once, unless another runner holds the job now.
async fn release<C: ConnectionTrait>(
    conn: &C,
    job: &bulk_job::Model,
    lease: DateTime<Utc>,
) -> Result<()> {
    bulk_job::Entity::update_many()
        .col_expr(
            bulk_job::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(bulk_job::Column::ShopId.eq(job.shop_id))
        .filter(bulk_job::Column::Id.eq(job.id))
        .filter(bulk_job::Column::LeaseUntil.eq(lease))
        .exec(conn)
        .await?;
    Ok(())
}

/// Runs up to `max_batches` batches of any shop's jobs, oldest job first, and returns
/// what they did; stops early when no job is waiting. Tests and `loyalty jobs run-once`
/// call it directly; `loyalty serve` calls it in a loop.
pub async fn run_pending(ctx: &Ctx, config: &BulkConfig, max_batches: u64) -> Result<RunReport> {
    let mut report = RunReport::default();
    while report.batches < max_batches {
        let Some((job, lease)) = claim(ctx, config).await? else {
            break;
        };
        let r = match job.actor_key_id {
            // The entries a batch writes name the key that started the job.
            Some(key) => {
                let acting = crate::audit::Scope {
                    actor: crate::audit::Actor::Key(key),
                    action: format!("bulk:{}", job.kind),
                    summary: serde_json::Value::Null,
                    targets: vec![job.id.to_string()],
                    request_id: None,
                    at: ctx.clock.now(),
                };
                crate::audit::within(acting, batch(ctx, config, &job, lease)).await?
            }
            None => batch(ctx, config, &job, lease).await?,
        };
        report.batches += 1;
        report.done += r.done;
        report.failed += r.failed;
        report.finished += r.finished;
    }
    Ok(report)
}
