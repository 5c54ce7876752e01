//! Activating the program: DRAFT to ACTIVE, with every member's first tier.
use super::settings::{ActivationMode, Cycle, ProgramStatus};
use super::{Program, load_for_update};
use crate::{Ctx, DomainError, Result, shops, tiers};
use loyalty_entities::member;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

/// Activates the program. `InitialTier` starts everyone at the initial tier with no
/// ranking spend; `Backfill` counts each customer's past paid spend toward the tier.
pub async fn activate(ctx: &Ctx, shop_id: Uuid, mode: ActivationMode) -> Result<Program> {
    let txn = ctx.db.begin().await?;
    let mut program = load_for_update(&txn, shop_id).await?;
    if program.status == ProgramStatus::Active {
        return Err(DomainError::Conflict(
            "the program is already active".into(),
        ));
    }
    let now = ctx.clock.now();
    let shop = shops::load(&txn, shop_id).await?;
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
    super::configure::save(&txn, &program, now).await?;

    let ranking_spend = match mode {
        ActivationMode::InitialTier => Expr::value(0i64),
        // Past paid spend; the ledger narrows it to the current cycle from orders.
        ActivationMode::Backfill => Expr::col(member::Column::TotalSpent),
    };
    member::Entity::update_many()
        .col_expr(member::Column::RankingSpend, ranking_spend)
        .filter(member::Column::ShopId.eq(shop_id))
        .exec(&txn)
        .await?;
    tiers::recompute_all(&txn, &program).await?;
    txn.commit().await?;
    tracing::info!(%shop_id, ?mode, "program activated");
    Ok(program)
}
