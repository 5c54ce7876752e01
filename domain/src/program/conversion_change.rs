//! Changing a running program's ranking conversion (issue 32, item 3; seed 001: fixed
//! after activation, so the merchant asks support, and the operator does it).
//!
//! The change is recorded first, in one transaction with the new conversion: a
//! `program_changes` row (from what to what, who, when) in status `RUNNING`. From that
//! commit on, every order, refund and tier edit ranks with the new conversion. Then the
//! members are re-ranked in batches by id, each batch in its own transaction that also
//! advances the row's cursor, so a run that stops (a crash, `max_batches`) leaves the
//! members before the cursor re-ranked and the rest as they were, and running the same
//! change again resumes after the cursor. Re-ranking a member computes its tier from its
//! stored ranking spend, so it is idempotent and a member ranked by an order meanwhile is
//! already right. The last batch marks the change `DONE`.
use super::configure::{apply_patch, load, load_for_update, save};
use super::ladder::recompute;
use super::{ProgramPatch, ProgramStatus};
use crate::tiers::validation::within_ranking_bound;
use crate::{Ctx, DomainError, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::{member, program_change};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// The setting this changes, named as `configureProgram` names it.
pub const SETTING: &str = "spendPerRankingPoint";

/// Members re-ranked per transaction by default.
pub const DEFAULT_BATCH: u64 = 1000;

/// Where a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeStatus {
    /// Members are being re-ranked.
    Running,
    /// Every member is re-ranked.
    Done,
}

impl ChangeStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeStatus::Running => "RUNNING",
            ChangeStatus::Done => "DONE",
        }
    }

    fn parse(stored: &str) -> Result<Self> {
        match stored {
            "RUNNING" => Ok(ChangeStatus::Running),
            "DONE" => Ok(ChangeStatus::Done),
            other => Err(DomainError::Internal(format!(
                "stored program change status '{other}'"
            ))),
        }
    }
}

/// A change to a running program, as the shop's ADMIN reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramChange {
    /// Its id.
    pub id: Uuid,
    /// The setting changed (`spendPerRankingPoint`).
    pub setting: String,
    /// Its value before.
    pub old_value: String,
    /// Its value after.
    pub new_value: String,
    /// Who changed it.
    pub changed_by: String,
    /// Whether members are still being re-ranked.
    pub status: ChangeStatus,
    /// Members of the shop when it started.
    pub members_total: i64,
    /// Members re-ranked so far.
    pub members_done: i64,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last progressed.
    pub updated_at: DateTime<Utc>,
    /// When the last member was re-ranked.
    pub finished_at: Option<DateTime<Utc>>,
}

impl ProgramChange {
    fn from_row(row: &program_change::Model) -> Result<Self> {
        Ok(Self {
            id: row.id,
            setting: row.setting.clone(),
            old_value: row.old_value.clone(),
            new_value: row.new_value.clone(),
            changed_by: row.changed_by.clone(),
            status: ChangeStatus::parse(&row.status)?,
            members_total: row.members_total,
            members_done: row.members_done,
            created_at: row.created_at,
            updated_at: row.updated_at,
            finished_at: row.finished_at,
        })
    }
}

fn clean_actor(raw: &str) -> Result<String> {
    let actor = raw.trim();
    if actor.is_empty() || actor.chars().count() > 100 {
        return Err(DomainError::invalid("by", "a name of 1 to 100 characters"));
    }
    Ok(actor.to_owned())
}

/// Records the change of the shop's ranking conversion to `spend` VND per ranking point
/// by `actor`, and makes it the program's, in one transaction; returns the change, whose
/// members are re-ranked by [`run_batch`]. Asking again for the conversion of a change
/// still `RUNNING` returns that change, to resume it; asking for another is refused
/// until it is done.
pub async fn start(ctx: &Ctx, shop_id: Uuid, spend: Decimal, actor: &str) -> Result<ProgramChange> {
    let actor = clean_actor(actor)?;
    let txn = ctx.db.begin().await?;
    let program = load_for_update(&txn, shop_id).await?;
    if program.status != ProgramStatus::Active {
        return Err(DomainError::invalid(
            SETTING,
            "the program is not active yet: the merchant sets the conversion with configureProgram",
        ));
    }
    // The merchant's own bounds, as for a program not yet active.
    let mut draft = program.clone();
    draft.status = ProgramStatus::Draft;
    let mut next = apply_patch(
        &draft,
        &ProgramPatch {
            spend_per_ranking_point: Some(spend),
            ..Default::default()
        },
    )?;
    next.status = program.status;
    let spend = next.spend_per_ranking_point;
    let running = program_change::Entity::find()
        .filter(program_change::Column::ShopId.eq(shop_id))
        .filter(program_change::Column::Status.eq(ChangeStatus::Running.as_str()))
        .one(&txn)
        .await?;
    if let Some(row) = running {
        if row.new_value == spend.to_string() {
            txn.commit().await?;
            return ProgramChange::from_row(&row);
        }
        return Err(DomainError::Conflict(format!(
            "the change of {} from {} to {} is not finished ({} of {} members re-ranked): run it again with {} to finish it first",
            row.setting,
            row.old_value,
            row.new_value,
            row.members_done,
            row.members_total,
            row.new_value
        )));
    }
    if spend == program.spend_per_ranking_point {
        return Err(DomainError::invalid(
            SETTING,
            format!("the conversion is already {spend} VND per ranking point"),
        ));
    }
    for t in crate::tiers::service::rows(&txn, shop_id).await? {
        within_ranking_bound(SETTING, t.min_spend, spend)?;
    }
    let now = ctx.clock.now();
    let members_total = i64::try_from(
        member::Entity::find()
            .filter(member::Column::ShopId.eq(shop_id))
            .count(&txn)
            .await?,
    )
    .unwrap_or(i64::MAX);
    let row = program_change::Model {
        shop_id,
        id: new_id(),
        setting: SETTING.to_owned(),
        old_value: program.spend_per_ranking_point.to_string(),
        new_value: spend.to_string(),
        changed_by: actor,
        status: ChangeStatus::Running.as_str().to_owned(),
        members_total,
        members_done: 0,
        cursor: None,
        created_at: now,
        updated_at: now,
        finished_at: None,
    };
    program_change::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    save(&txn, &next, now).await?;
    crate::audit::record(&txn, shop_id, &[row.id]).await?;
    txn.commit().await?;
    ctx.policies.forget(shop_id);
    tracing::info!(%shop_id, change = %row.id, from = %row.old_value, to = %row.new_value,
        members = members_total, "ranking conversion changed; re-ranking members");
    ProgramChange::from_row(&row)
}

/// Re-ranks the next `batch` members of change `id` after its cursor, in one
/// transaction that advances the cursor; marks the change `DONE` when no member is
/// left. Returns the change as it is after the batch.
pub async fn run_batch(ctx: &Ctx, shop_id: Uuid, id: Uuid, batch: u64) -> Result<ProgramChange> {
    let txn = ctx.db.begin().await?;
    // Locked: two runs of the same change take turns, batch by batch.
    let row = program_change::Entity::find_by_id((shop_id, id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("program change not found".into()))?;
    if ChangeStatus::parse(&row.status)? == ChangeStatus::Done {
        txn.commit().await?;
        return ProgramChange::from_row(&row);
    }
    let mut query = member::Entity::find()
        .select_only()
        .column(member::Column::Id)
        .filter(member::Column::ShopId.eq(shop_id));
    if let Some(after) = row.cursor {
        query = query.filter(member::Column::Id.gt(after));
    }
    let ids: Vec<Uuid> = query
        .order_by_asc(member::Column::Id)
        .limit(batch.max(1))
        .into_tuple()
        .all(&txn)
        .await?;
    let now = ctx.clock.now();
    let mut next = row.clone();
    next.updated_at = now;
    match ids.last() {
        Some(last) => {
            let program = load(&txn, shop_id).await?;
            recompute(&txn, &program, Some(&ids)).await?;
            next.cursor = Some(*last);
            next.members_done = next
                .members_done
                .saturating_add(i64::try_from(ids.len()).unwrap_or(i64::MAX));
        }
        None => {
            next.status = ChangeStatus::Done.as_str().to_owned();
            next.finished_at = Some(now);
        }
    }
    next.clone()
        .into_active_model()
        .reset_all()
        .update(&txn)
        .await?;
    txn.commit().await?;
    ProgramChange::from_row(&next)
}

/// The shop's program changes, newest first, at most `limit`.
pub async fn list<C: sea_orm::ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    limit: u64,
) -> Result<Vec<ProgramChange>> {
    program_change::Entity::find()
        .filter(program_change::Column::ShopId.eq(shop_id))
        .order_by_desc(program_change::Column::CreatedAt)
        .order_by_desc(program_change::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .iter()
        .map(ProgramChange::from_row)
        .collect()
}
