//! Activating the program: DRAFT to ACTIVE, with every member's first tier. Here, above
//! the program, because it writes every member's standing.
//!
//! `InitialTier` starts everyone at the initial tier with no ranking spend. `Backfill`
//! counts each customer's past paid orders (net of refunds) and the opening spend the
//! opening-data file gave them (`opening_spend`) in the current and the previous cycle.
//!
//! A million members cannot be ranked in one transaction (it held the orders table for
//! minutes), so activation runs in steps, each its own short transaction:
//!
//! 1. Start (or resume): the progress row (`progress`) fixes the mode, the start and the
//!    cycles ranked by (`Window`). The program stays DRAFT, so its members' tiers are
//!    not in effect yet (a DRAFT program prices no tier, see `Policy::benefits_tier`).
//! 2. Member batches by id, each ranked from scratch (`rank`) and the cursor moved on.
//!    A crash leaves the cursor at the last batch committed: activating again (or the
//!    jobs) resumes there.
//! 3. Catching up: orders, refunds, imports and new customers recorded meanwhile went
//!    through a DRAFT program and touched their member's `updated_at`, which ranking
//!    leaves alone; those members are ranked again from scratch (so nothing counts
//!    twice), in batches, then the few touched during that pass in the last step.
//! 4. The last transaction ranks those, flips the program ACTIVE and closes the row.
//!
//! Orders are not tagged with the cycle BACKFILL counted them in: the window says it (an
//! order is counted when placed inside it), and a refund reads it (`counted_cycle`).
mod progress;
mod rank;
mod window;

pub use progress::{Progress, read as progress};
pub use window::Window;

use crate::program::configure::save;
use crate::program::{
    ActivationMode, Cycle, Policy, Program, ProgramStatus, ladder, load_for_update,
};
use crate::tiers::Tier;
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use loyalty_entities::{member, order, program_activation};
use rank::Scope;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Members a batch ranks: one grouped read of their orders and a few writes, well under
/// a second on PostgreSQL.
pub const BATCH: u64 = 5000;

/// How far before a start (or a catching-up pass) a member's last change makes it
/// ranked again: a transaction that began before it may commit after the member's batch
/// read it. Ranking again is idempotent, so the margin costs only time.
const MARGIN_SECONDS: i64 = 60;

/// How an activation is cut into transactions.
#[derive(Debug, Clone, Copy)]
pub struct Batching {
    /// Members per batch.
    pub members: u64,
    /// Stop after this many member batches and report the progress; `None` runs to the
    /// end. The next call resumes where it stopped.
    pub max_batches: Option<u64>,
}

impl Default for Batching {
    fn default() -> Self {
        Self {
            members: BATCH,
            max_batches: None,
        }
    }
}

/// What a call to [`activate_in_batches`] left.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The program is ACTIVE.
    Active(Box<Program>),
    /// It stopped after `max_batches`; activating again resumes.
    Running(Progress),
}

/// Activates the program (or resumes an activation that stopped) and returns it.
pub async fn activate(ctx: &Ctx, shop_id: Uuid, mode: ActivationMode) -> Result<Program> {
    match activate_in_batches(ctx, shop_id, mode, Batching::default()).await? {
        Outcome::Active(program) => Ok(*program),
        Outcome::Running(p) => Err(DomainError::Conflict(format!(
            "the activation stopped after {} members: activate again to resume",
            p.members_done
        ))),
    }
}

/// Activates the program in batches (see the module), or resumes the activation that
/// stopped; stops early after `batching.max_batches`.
pub async fn activate_in_batches(
    ctx: &Ctx,
    shop_id: Uuid,
    mode: ActivationMode,
    batching: Batching,
) -> Result<Outcome> {
    let mut batches = 0u64;
    'run: loop {
        let (row, policy) = begin(ctx, shop_id, mode).await?;
        let window = Window::of(&row);
        loop {
            if batching.max_batches.is_some_and(|max| batches >= max) {
                return Ok(Outcome::Running(Progress::of(
                    &loaded(&ctx.db, shop_id).await?,
                )?));
            }
            match next_batch(ctx, shop_id, &policy, &window, mode, batching.members).await? {
                Step::Ranked => batches += 1,
                Step::End => break,
                Step::Stale => continue 'run,
            }
        }
        let since = row.started_at - Duration::seconds(MARGIN_SECONDS);
        let mark = ctx.clock.now();
        let caught_up = catch_up(ctx, &policy, &window, mode, since, batching.members).await?;
        let since = mark - Duration::seconds(MARGIN_SECONDS);
        if let Some(program) = finish(ctx, shop_id, mode, policy.version, since).await? {
            tracing::info!(%shop_id, ?mode, caught_up, "program activated");
            return Ok(Outcome::Active(Box::new(program)));
        }
        tracing::info!(%shop_id, "the activation's basis changed meanwhile: going on");
    }
}

/// The shop's activation row, which a started activation has.
async fn loaded<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<program_activation::Model> {
    progress::load(conn, shop_id)
        .await?
        .ok_or_else(|| DomainError::Internal("activation row gone".into()))
}

/// Finishes the activations cut short (the server stopped half-way), for the jobs;
/// returns how many this call finished. Only a failure to list them is an error. One still running in another request is
/// finished by whichever call gets to the end first; the other is told the program is
/// already active, which is no failure here.
pub async fn finish_stopped(ctx: &Ctx) -> Result<u64> {
    let stopped = program_activation::Entity::find()
        .filter(program_activation::Column::FinishedAt.is_null())
        .all(&ctx.db)
        .await?;
    let mut finished = 0;
    for row in stopped {
        match activate(ctx, row.shop_id, progress::mode_of(&row)?).await {
            Ok(_) => finished += 1,
            Err(DomainError::Conflict(reason)) => {
                tracing::info!(shop_id = %row.shop_id, %reason, "activation not resumed");
            }
            // One shop's failing activation must not hold up every shop's jobs: it is
            // left for the next run (or the admin's `activateProgram`, which reports it).
            Err(e) => {
                tracing::warn!(shop_id = %row.shop_id, error = %e, "activation not finished");
            }
        }
    }
    Ok(finished)
}

/// Starts or resumes the activation; returns its row and the policy it ranks by.
async fn begin(
    ctx: &Ctx,
    shop_id: Uuid,
    mode: ActivationMode,
) -> Result<(program_activation::Model, Policy)> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    // Read, not locked: taking the program's lock raises its version, which is how the
    // last step tells that the settings or the tiers changed meanwhile.
    refuse_active(&crate::program::load(&txn, shop_id).await?)?;
    let stored = progress::load(&txn, shop_id).await?;
    let started_at = stored
        .as_ref()
        .filter(|r| r.finished_at.is_none())
        .map_or(now, |r| r.started_at);
    let policy = as_active(&txn, shop_id, mode, started_at).await?;
    let resumed = stored.as_ref().is_some_and(|r| r.finished_at.is_none());
    let basis = progress::Basis {
        mode,
        window: Window::at(&policy, started_at),
        program_version: policy.version,
    };
    let row = progress::start(&txn, shop_id, stored, basis, now).await?;
    txn.commit().await?;
    tracing::info!(%shop_id, ?mode, resumed, members = row.members_done, "activation started");
    Ok((row, policy))
}

fn refuse_active(program: &Program) -> Result<()> {
    if program.status == ProgramStatus::Active {
        return Err(DomainError::Conflict(
            "the program is already active".into(),
        ));
    }
    Ok(())
}

/// The shop's policy as it will be once ACTIVE, activated at `at`: ranking and the
/// window read the program in that form.
async fn as_active<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    mode: ActivationMode,
    at: DateTime<Utc>,
) -> Result<Policy> {
    let mut policy = Policy::load(conn, shop_id).await?;
    activated(&mut policy.program, mode, policy.shop.local_date(at), at);
    Ok(policy)
}

/// `program` ACTIVE in `mode` since `at`: a rolling cycle without a start starts on
/// `day`, the activation's.
fn activated(program: &mut Program, mode: ActivationMode, day: NaiveDate, at: DateTime<Utc>) {
    if let Cycle::RollingMonths {
        months,
        starts_on: None,
    } = program.cycle
    {
        program.cycle = Cycle::RollingMonths {
            months,
            starts_on: Some(day),
        };
    }
    program.status = ProgramStatus::Active;
    program.activation_mode = Some(mode);
    program.activated_at = Some(at);
}

/// What [`next_batch`] did.
enum Step {
    /// Ranked a batch and moved the cursor.
    Ranked,
    /// No member was left after the cursor (or another call finished).
    End,
    /// The row's basis is no longer the one this call ranks by (another call started
    /// the members over): begin again.
    Stale,
}

/// Ranks the next batch of members after the cursor in a transaction of its own and
/// moves the cursor.
async fn next_batch(
    ctx: &Ctx,
    shop_id: Uuid,
    policy: &Policy,
    window: &Window,
    mode: ActivationMode,
    size: u64,
) -> Result<Step> {
    let txn = ctx.db.begin().await?;
    let mut row = loaded(&txn, shop_id).await?;
    if row.finished_at.is_some() {
        return Ok(Step::End);
    }
    if row.program_version != policy.version || progress::mode_of(&row)? != mode {
        return Ok(Step::Stale);
    }
    let mut query = member::Entity::find().filter(member::Column::ShopId.eq(shop_id));
    if let Some(after) = row.cursor {
        query = query.filter(member::Column::Id.gt(after));
    }
    let mut members = query
        .order_by_asc(member::Column::Id)
        .limit(size)
        .all(&txn)
        .await?;
    let (Some(first), Some(last)) = (members.first().map(|m| m.id), members.last().map(|m| m.id))
    else {
        return Ok(Step::End);
    };
    rank::rank_and_write(
        &txn,
        policy,
        window,
        mode,
        Scope::Range(first, last),
        &mut members,
    )
    .await?;
    row.cursor = Some(last);
    row.members_done += members.len() as i64;
    let done = row.members_done;
    progress::save(&txn, row).await?;
    txn.commit().await?;
    tracing::info!(%shop_id, members = done, "activation progress");
    Ok(Step::Ranked)
}

/// The members of the shop changed at or after `since`, by id.
async fn touched_since<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    Ok(member::Entity::find()
        .select_only()
        .column(member::Column::Id)
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::UpdatedAt.gte(since))
        .order_by_asc(member::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Ranks again, in batches of their own, the members touched since `since`; returns
/// how many.
async fn catch_up(
    ctx: &Ctx,
    policy: &Policy,
    window: &Window,
    mode: ActivationMode,
    since: DateTime<Utc>,
    size: u64,
) -> Result<usize> {
    let shop_id = policy.shop.id;
    let ids = touched_since(&ctx.db, shop_id, since).await?;
    for chunk in ids.chunks(size.max(1) as usize) {
        let txn = ctx.db.begin().await?;
        rerank(&txn, policy, window, mode, chunk).await?;
        txn.commit().await?;
    }
    Ok(ids.len())
}

/// Ranks `ids` again from scratch.
async fn rerank<C: ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    window: &Window,
    mode: ActivationMode,
    ids: &[Uuid],
) -> Result<()> {
    let scope = Scope::Ids(ids);
    let mut members = rank::members(conn, policy.shop.id, scope).await?;
    rank::rank_and_write(conn, policy, window, mode, scope, &mut members).await
}

/// The last transaction: ranks again the members touched since `since`, makes the
/// program ACTIVE and closes the progress row. `None`, writing nothing, when the
/// settings or the tiers changed since the members were ranked by the program's version
/// `ranked_by`: they are ranked again.
async fn finish(
    ctx: &Ctx,
    shop_id: Uuid,
    mode: ActivationMode,
    ranked_by: i64,
    since: DateTime<Utc>,
) -> Result<Option<Program>> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let mut program = load_for_update(&txn, shop_id).await?;
    refuse_active(&program)?;
    let mut row = loaded(&txn, shop_id).await?;
    let policy = as_active(&txn, shop_id, mode, row.started_at).await?;
    // `load_for_update` raised the version by one. Members are ranked by the row's
    // basis only if it is still this call's: another call that started them over on a
    // new basis changed it (members created meanwhile are no concern: they are among
    // those touched since the start, ranked again below).
    if policy.version - 1 != row.program_version
        || ranked_by != row.program_version
        || progress::mode_of(&row)? != mode
    {
        txn.rollback().await?;
        return Ok(None);
    }
    let window = Window::of(&row);
    let ids = touched_since(&txn, shop_id, since).await?;
    for chunk in ids.chunks(BATCH as usize) {
        rerank(&txn, &policy, &window, mode, chunk).await?;
    }
    let day = policy.shop.local_date(row.started_at);
    activated(&mut program, mode, day, now);
    save(&txn, &program, now).await?;
    row.finished_at = Some(now);
    progress::save(&txn, row).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    ctx.policies.forget(shop_id);
    Ok(Some(program))
}

/// What activating in `mode` would give: members per tier (by rank). Nothing is written:
/// the members are read in batches and ranked by the same code as the activation's.
pub async fn preview(ctx: &Ctx, shop_id: Uuid, mode: ActivationMode) -> Result<Vec<(Tier, i64)>> {
    let now = ctx.clock.now();
    let program = crate::program::load(&ctx.db, shop_id).await?;
    refuse_active(&program)?;
    let policy = as_active(&ctx.db, shop_id, mode, now).await?;
    let window = Window::at(&policy, now);
    let mut counts: HashMap<Uuid, i64> = HashMap::new();
    let mut after: Option<Uuid> = None;
    loop {
        let mut query = member::Entity::find()
            .select_only()
            .column(member::Column::Id)
            .filter(member::Column::ShopId.eq(shop_id));
        if let Some(a) = after {
            query = query.filter(member::Column::Id.gt(a));
        }
        let ids: Vec<Uuid> = query
            .order_by_asc(member::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(&ctx.db)
            .await?;
        let (Some(first), Some(last)) = (ids.first().copied(), ids.last().copied()) else {
            break;
        };
        after = Some(last);
        let spend = rank::spend(&ctx.db, &policy, &window, mode, Scope::Range(first, last)).await?;
        for id in &ids {
            if let Some(t) = rank::tier(&policy, &window, spend.get(id)) {
                *counts.entry(t.id).or_insert(0) += 1;
            }
        }
    }
    let tiers = ladder::list(&ctx.db, shop_id).await?;
    Ok(tiers
        .into_iter()
        .map(|t| {
            let n = counts.get(&t.id).copied().unwrap_or(0);
            (t, n)
        })
        .collect())
}

/// The cycle whose ranking spend an order counted in, so a refund takes back exactly
/// that: the order's tag, set when it was recorded under an ACTIVE program; else, in a
/// program activated with BACKFILL, the activation's cycle it was placed in (BACKFILL
/// counts the orders placed in its window without tagging them).
///
/// An order recorded ACTIVE without a tag was placed in neither the member's current
/// nor previous cycle then, so before both; the window's cycle it falls in is then
/// older than either of the member's from that moment on, and `add_spend` takes nothing
/// back for it, as it should.
pub async fn counted_cycle<C: ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    order: &order::Model,
) -> Result<Option<NaiveDate>> {
    if order.ranking_cycle.is_some() {
        return Ok(order.ranking_cycle);
    }
    if !policy.is_active() || policy.program.activation_mode != Some(ActivationMode::Backfill) {
        return Ok(None);
    }
    let row = program_activation::Entity::find_by_id(order.shop_id)
        .one(conn)
        .await?;
    Ok(row.and_then(|r| Window::of(&r).cycle_of(order.placed_at)))
}
