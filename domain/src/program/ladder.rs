//! Changing the shop's tier ladder. Every change runs in one transaction that first
//! locks the program row, so two admins editing tiers at once cannot break the ladder,
//! and raises the program's version, so every replica's cached policy goes stale.
use super::configure::load_for_update;
use super::{Program, ProgramStatus, load};
use crate::tiers::service::{active_model, rows};
use crate::tiers::validation::{validate, within_ranking_bound};
use crate::tiers::{self, Tier, TierInput, effective_threshold};
use crate::{Ctx, DomainError, Result, ids::new_id};
use loyalty_entities::{member, tier};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

/// The shop's tiers by rank, with their ranking-point thresholds.
pub async fn list<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Vec<Tier>> {
    let program = load(conn, shop_id).await?;
    tiers::ranked(conn, shop_id, program.spend_per_ranking_point).await
}

async fn reload(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Tier> {
    list(&ctx.db, shop_id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| DomainError::NotFound("tier not found".into()))
}

/// Adds a tier; members who reach it move up at once when the program is active.
pub async fn create(ctx: &Ctx, shop_id: Uuid, input: TierInput) -> Result<Tier> {
    let txn = ctx.db.begin().await?;
    let program = load_for_update(&txn, shop_id).await?;
    let others = rows(&txn, shop_id).await?;
    let mut t = validate(&input, None, &others)?;
    within_ranking_bound("minSpend", t.min_spend, program.spend_per_ranking_point)?;
    t.id = new_id();
    tier::Entity::insert(active_model(shop_id, &t, ctx.clock.now()))
        .exec_without_returning(&txn)
        .await?;
    recompute_all(&txn, &program).await?;
    crate::audit::record(&txn, shop_id, &[t.id]).await?;
    txn.commit().await?;
    ctx.policies.forget(shop_id);
    reload(ctx, shop_id, t.id).await
}

/// Changes a tier; members are re-ranked when the program is active.
pub async fn update(ctx: &Ctx, shop_id: Uuid, id: Uuid, input: TierInput) -> Result<Tier> {
    let txn = ctx.db.begin().await?;
    let program = load_for_update(&txn, shop_id).await?;
    let all = rows(&txn, shop_id).await?;
    let current = all
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| DomainError::NotFound("tier not found".into()))?;
    let others: Vec<Tier> = all.iter().filter(|t| t.id != id).cloned().collect();
    let next = validate(&input, Some(current), &others)?;
    within_ranking_bound("minSpend", next.min_spend, program.spend_per_ranking_point)?;
    let stored = tier::Entity::find_by_id((shop_id, id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("tier not found".into()))?;
    tier::Entity::update(active_model(shop_id, &next, stored.created_at))
        .exec(&txn)
        .await?;
    recompute_all(&txn, &program).await?;
    crate::audit::record(&txn, shop_id, &[id]).await?;
    txn.commit().await?;
    ctx.policies.forget(shop_id);
    reload(ctx, shop_id, id).await
}

/// Deletes an unused tier; the initial tier and tiers with members stay.
pub async fn delete(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<bool> {
    let txn = ctx.db.begin().await?;
    load_for_update(&txn, shop_id).await?;
    let stored = tier::Entity::find_by_id((shop_id, id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("tier not found".into()))?;
    if stored.is_initial {
        return Err(DomainError::invalid(
            "id",
            "the initial tier cannot be deleted",
        ));
    }
    let members = member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::TierId.eq(id))
        .count(&txn)
        .await?;
    if members > 0 {
        return Err(DomainError::Conflict(format!(
            "tier '{}' has {members} members and cannot be deleted",
            stored.name
        )));
    }
    tier::Entity::delete_by_id((shop_id, id)).exec(&txn).await?;
    crate::audit::record(&txn, shop_id, &[id]).await?;
    txn.commit().await?;
    ctx.policies.forget(shop_id);
    Ok(true)
}

/// Recomputes the tier of every member of the shop in one statement; does nothing while
/// the program is a draft (tiers are assigned at activation).
async fn recompute_all<C: ConnectionTrait>(conn: &C, program: &Program) -> Result<()> {
    recompute(conn, program, None).await
}

/// Recomputes the tier of the shop's members with ids in `ids` (all of them when
/// `None`) from their stored ranking spend, in one statement. The tier is computed from
/// the row as the statement writes it, so an order committed meanwhile is counted.
pub(crate) async fn recompute<C: ConnectionTrait>(
    conn: &C,
    program: &Program,
    ids: Option<&[Uuid]>,
) -> Result<()> {
    if program.status != ProgramStatus::Active {
        return Ok(());
    }
    let mut tiers = rows(conn, program.shop_id).await?;
    tiers.sort_by_key(|t| std::cmp::Reverse(t.min_spend));
    let Some(initial) = tiers.iter().find(|t| t.is_initial).map(|t| t.id) else {
        return Ok(());
    };
    let mut case = CaseStatement::new();
    for tier in tiers.iter().filter(|t| !t.is_initial) {
        let threshold = effective_threshold(tier.min_spend, program.spend_per_ranking_point);
        // A tier reached in the previous cycle is kept through this one.
        case = case.case(
            Expr::col(member::Column::RankingSpend)
                .gte(threshold)
                .or(Expr::col(member::Column::PrevCycleSpend).gte(threshold)),
            Expr::val(tier.id),
        );
    }
    case = case.finally(Expr::val(initial));
    let mut update = member::Entity::update_many()
        .col_expr(member::Column::TierId, case.into())
        .filter(member::Column::ShopId.eq(program.shop_id));
    if let Some(ids) = ids {
        update = update.filter(member::Column::Id.is_in(ids.iter().copied()));
    }
    update.exec(conn).await?;
    Ok(())
}
