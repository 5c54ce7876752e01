//! Activating the program: DRAFT to ACTIVE, with every member's first tier. Here, above
//! the program, because it writes every member's standing.
//!
//! `InitialTier` starts everyone at the initial tier with no ranking spend. `Backfill`
//! counts each customer's past paid orders (net of refunds) and the opening spend the
//! opening-data file gave them (`opening_spend`) in the current and the previous cycle,
//! member batch by member batch, logging progress.
use super::opening_spend;
use super::standings::save_standings;
use crate::program::configure::save;
use crate::program::ranking::retier;
use crate::program::{
    ActivationMode, Cycle, Policy, Program, ProgramStatus, ladder, load_for_update,
};
use crate::shops::{self, local_midnight};
use crate::tiers::{self, Tier};
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use loyalty_entities::{member, order};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use std::collections::HashMap;
use uuid::Uuid;

const BATCH: u64 = 1000;

/// Activates the program in one transaction and returns it.
pub async fn activate(ctx: &Ctx, shop_id: Uuid, mode: ActivationMode) -> Result<Program> {
    let txn = ctx.db.begin().await?;
    let program = activate_in(&txn, ctx, shop_id, mode).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    ctx.policies.forget(shop_id);
    Ok(program)
}

/// What activating in `mode` would give: members per tier (by rank). Nothing is kept:
/// the activation runs in a transaction that is rolled back, so the preview is computed
/// by exactly the code that would apply it.
pub async fn preview(ctx: &Ctx, shop_id: Uuid, mode: ActivationMode) -> Result<Vec<(Tier, i64)>> {
    let txn = ctx.db.begin().await?;
    activate_in(&txn, ctx, shop_id, mode).await?;
    let tiers = ladder::list(&txn, shop_id).await?;
    let counts = tiers::member_counts(&txn, shop_id).await?;
    txn.rollback().await?;
    Ok(tiers
        .into_iter()
        .map(|t| {
            let n = counts.get(&t.id).copied().unwrap_or(0);
            (t, n)
        })
        .collect())
}

async fn activate_in(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    shop_id: Uuid,
    mode: ActivationMode,
) -> Result<Program> {
    let mut program = load_for_update(txn, shop_id).await?;
    if program.status == ProgramStatus::Active {
        return Err(DomainError::Conflict(
            "the program is already active".into(),
        ));
    }
    let now = ctx.clock.now();
    let shop = shops::load(txn, shop_id).await?;
    if let Cycle::RollingMonths {
        months,
        starts_on: None,
    } = program.cycle
    {
        program.cycle = Cycle::RollingMonths {
            months,
            starts_on: Some(shop.local_date(now)),
        };
    }
    program.status = ProgramStatus::Active;
    program.activation_mode = Some(mode);
    program.activated_at = Some(now);
    save(txn, &program, now).await?;

    let policy = Policy::load(txn, shop_id).await?;
    let current = policy.cycle_of(now, now);
    let previous = policy.previous_cycle(current);
    let (counted, opening) = match mode {
        ActivationMode::InitialTier => (0, 0),
        ActivationMode::Backfill => (
            mark_counted_orders(txn, &policy, current, previous).await?,
            opening_spend::mark_counted(txn, &policy, current, previous).await?,
        ),
    };
    let members = assign_members(txn, &policy, mode, current, previous).await?;
    tracing::info!(%shop_id, ?mode, members, orders = counted, opening, "program activated");
    Ok(policy.program)
}

/// The instant a cycle starting on `day` begins, in UTC.
fn starts(policy: &Policy, day: NaiveDate) -> DateTime<Utc> {
    local_midnight(policy.shop.time_zone, day)
}

/// Tags the orders placed in the current and previous cycles with their cycle, so a
/// later refund takes back the ranking spend they gave. Returns how many were tagged.
async fn mark_counted_orders(
    txn: &DatabaseTransaction,
    policy: &Policy,
    current: NaiveDate,
    previous: Option<NaiveDate>,
) -> Result<u64> {
    let shop_id = policy.shop.id;
    let mut n = order::Entity::update_many()
        .col_expr(order::Column::RankingCycle, Expr::value(current))
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::PlacedAt.gte(starts(policy, current)))
        .exec(txn)
        .await?
        .rows_affected;
    if let Some(prev) = previous {
        n += order::Entity::update_many()
            .col_expr(order::Column::RankingCycle, Expr::value(prev))
            .filter(order::Column::ShopId.eq(shop_id))
            .filter(order::Column::PlacedAt.gte(starts(policy, prev)))
            .filter(order::Column::PlacedAt.lt(starts(policy, current)))
            .exec(txn)
            .await?
            .rows_affected;
    }
    Ok(n)
}

/// Ranking spend per member and cycle: the net paid spend of the tagged orders of
/// `members` plus their tagged opening spend. The one place BACKFILL sums spend.
async fn spend_by_member<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    members: &[Uuid],
) -> Result<HashMap<(Uuid, NaiveDate), i64>> {
    let rows: Vec<(Uuid, Option<NaiveDate>, i64, i64)> = order::Entity::find()
        .select_only()
        .column(order::Column::MemberId)
        .column(order::Column::RankingCycle)
        .column(order::Column::Paid)
        .column(order::Column::ReversedSpend)
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::MemberId.is_in(members.to_vec()))
        .filter(order::Column::RankingCycle.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = HashMap::new();
    for (member, cycle, paid, reversed) in rows {
        if let Some(cycle) = cycle {
            *out.entry((member, cycle)).or_insert(0) += paid - reversed;
        }
    }
    for (member, cycle, amount) in opening_spend::counted(conn, shop_id, members).await? {
        let sum = out.entry((member, cycle)).or_insert(0);
        *sum = sum.saturating_add(amount);
    }
    Ok(out)
}

/// Sets every member's counters and tier, a batch at a time.
async fn assign_members(
    txn: &DatabaseTransaction,
    policy: &Policy,
    mode: ActivationMode,
    current: NaiveDate,
    previous: Option<NaiveDate>,
) -> Result<u64> {
    let shop_id = policy.shop.id;
    let mut after: Option<Uuid> = None;
    let mut done = 0u64;
    loop {
        let mut query = member::Entity::find().filter(member::Column::ShopId.eq(shop_id));
        if let Some(a) = after {
            query = query.filter(member::Column::Id.gt(a));
        }
        let batch = query
            .order_by_asc(member::Column::Id)
            .limit(BATCH)
            .all(txn)
            .await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        let ids: Vec<Uuid> = batch.iter().map(|m| m.id).collect();
        let spend = match mode {
            ActivationMode::Backfill => spend_by_member(txn, shop_id, &ids).await?,
            ActivationMode::InitialTier => HashMap::new(),
        };
        let mut rows = batch;
        for row in &mut rows {
            row.cycle_start = Some(current);
            row.ranking_spend = spend.get(&(row.id, current)).copied().unwrap_or(0).max(0);
            row.prev_cycle_spend = previous
                .and_then(|p| spend.get(&(row.id, p)).copied())
                .unwrap_or(0)
                .max(0);
            retier(policy, row);
        }
        save_standings(txn, &rows).await?;
        done += ids.len() as u64;
        tracing::info!(shop_id = %shop_id, members = done, "activation progress");
    }
    Ok(done)
}
