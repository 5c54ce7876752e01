//! Changing the program's settings, with the seed's rules on what may change when.
use super::settings::{Cycle, CycleKind, Expiry, ExpiryKind, Program, ProgramPatch, ProgramStatus};
use crate::{Ctx, DomainError, Result};
use loyalty_entities::program;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

const MAX_PERIOD_MONTHS: i64 = 120;
const MAX_EXPIRY_DAYS: i64 = 36_500;
const MAX_PENDING_HOURS: i64 = 24 * 366;

/// Applies `patch` to `current`, refusing what the seeds forbid. Pure.
pub fn apply_patch(current: &Program, patch: &ProgramPatch) -> Result<Program> {
    let mut next = current.clone();
    if let Some(spend) = patch.spend_per_ranking_point {
        if spend <= Decimal::ZERO || spend > Decimal::from(1_000_000_000) {
            return Err(DomainError::invalid(
                "spendPerRankingPoint",
                "must be above 0 and at most 1,000,000,000 VND",
            ));
        }
        if current.status == ProgramStatus::Active && spend != current.spend_per_ranking_point {
            return Err(DomainError::invalid(
                "spendPerRankingPoint",
                "the ranking conversion is fixed once the program is active: changing it would re-rank every member",
            ));
        }
        next.spend_per_ranking_point = spend.normalize();
    }
    if let Some(rate) = patch.reward_rate_percent {
        if rate < Decimal::ZERO || rate > Decimal::from(10_000) {
            return Err(DomainError::invalid(
                "rewardRatePercent",
                "must be between 0 and 10,000 %",
            ));
        }
        next.reward_rate_percent = rate.normalize();
    }
    if let Some(points) = patch.points_per_thousand_vnd {
        if !(1..=1_000_000).contains(&points) {
            return Err(DomainError::invalid(
                "pointsPerThousandVnd",
                "must be between 1 and 1,000,000",
            ));
        }
        next.points_per_thousand_vnd = points;
    }
    if let Some(hours) = patch.pending_hours {
        if !(0..=MAX_PENDING_HOURS).contains(&hours) {
            return Err(DomainError::invalid(
                "pendingHours",
                format!("must be between 0 and {MAX_PENDING_HOURS}"),
            ));
        }
        next.pending_hours = hours;
    }
    if let Some((kind, days, months)) = patch.expiry {
        next.expiry = match kind {
            ExpiryKind::Never => Expiry::Never,
            ExpiryKind::DaysAfterEarn => Expiry::DaysAfterEarn {
                days: bounded("expiry.days", days, MAX_EXPIRY_DAYS)?,
            },
            ExpiryKind::EndOfPeriod => Expiry::EndOfPeriod {
                months: bounded("expiry.periodMonths", months, MAX_PERIOD_MONTHS)?,
            },
        };
    }
    if let Some((kind, months, starts_on)) = patch.cycle {
        next.cycle = match kind {
            CycleKind::Lifetime => Cycle::Lifetime,
            CycleKind::CalendarYear => Cycle::CalendarYear,
            CycleKind::RollingMonths => Cycle::RollingMonths {
                months: bounded("cycle.months", months, MAX_PERIOD_MONTHS)?,
                starts_on,
            },
        };
    }
    if let Some(enrollment) = patch.enrollment {
        next.enrollment = enrollment;
    }
    Ok(next)
}

fn bounded(field: &str, value: Option<i64>, max: i64) -> Result<u32> {
    match value {
        None => Err(DomainError::invalid(field, "is required for this kind")),
        Some(v) if v < 1 || v > max => Err(DomainError::invalid(
            field,
            format!("must be between 1 and {max}"),
        )),
        Some(v) => u32::try_from(v).map_err(|_| DomainError::invalid(field, "out of range")),
    }
}

/// Reads the shop's program.
pub async fn load<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Program> {
    Ok(load_versioned(conn, shop_id).await?.0)
}

/// Reads the shop's program with its version (see [`load_for_update`]).
pub async fn load_versioned<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<(Program, i64)> {
    let row = program::Entity::find_by_id(shop_id)
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("program not found".into()))?;
    Ok((Program::from_row(&row)?, row.version))
}

/// Reads the shop's program and locks its row until the transaction ends (PostgreSQL);
/// every change to the program or the tiers takes this lock first, so they serialize
/// per shop. It also raises the program's version, so every replica's cached policy of
/// the shop is stale from the commit on (a rolled-back change rolls the raise back).
pub async fn load_for_update<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Program> {
    let row = program::Entity::find()
        .filter(program::Column::ShopId.eq(shop_id))
        .lock(LockType::Update)
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("program not found".into()))?;
    program::Entity::update_many()
        .col_expr(
            program::Column::Version,
            Expr::col(program::Column::Version).add(1),
        )
        .filter(program::Column::ShopId.eq(shop_id))
        .exec(conn)
        .await?;
    Program::from_row(&row)
}

/// Writes the program's settings (the version is [`load_for_update`]'s).
pub(crate) async fn save<C: ConnectionTrait>(
    conn: &C,
    program: &Program,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let mut row = program.to_row(now).into_active_model().reset_all();
    row.version = NotSet;
    row.update(conn).await?;
    Ok(())
}

/// Changes the program's settings in one transaction.
pub async fn configure(ctx: &Ctx, shop_id: Uuid, patch: ProgramPatch) -> Result<Program> {
    let txn = ctx.db.begin().await?;
    let current = load_for_update(&txn, shop_id).await?;
    let next = apply_patch(&current, &patch)?;
    if next.spend_per_ranking_point != current.spend_per_ranking_point {
        for t in crate::tiers::service::rows(&txn, shop_id).await? {
            crate::tiers::validation::within_ranking_bound(
                "spendPerRankingPoint",
                t.min_spend,
                next.spend_per_ranking_point,
            )?;
        }
    }
    if next != current {
        save(&txn, &next, ctx.clock.now()).await?;
    }
    txn.commit().await?;
    ctx.policies.forget(shop_id);
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn ranking_conversion_is_frozen_once_active() {
        let mut p = Program::defaults(Uuid::now_v7());
        let patch = ProgramPatch {
            spend_per_ranking_point: Some(dec!(1000)),
            ..Default::default()
        };
        assert!(apply_patch(&p, &patch).is_ok());
        p.status = ProgramStatus::Active;
        assert!(apply_patch(&p, &patch).is_err());
        let same = ProgramPatch {
            spend_per_ranking_point: Some(dec!(1)),
            ..Default::default()
        };
        assert!(apply_patch(&p, &same).is_ok());
    }

    #[test]
    fn expiry_needs_its_parameter() {
        let p = Program::defaults(Uuid::now_v7());
        let patch = ProgramPatch {
            expiry: Some((ExpiryKind::DaysAfterEarn, None, None)),
            ..Default::default()
        };
        assert!(apply_patch(&p, &patch).is_err());
        let patch = ProgramPatch {
            expiry: Some((ExpiryKind::DaysAfterEarn, Some(30), None)),
            ..Default::default()
        };
        assert_eq!(
            apply_patch(&p, &patch).ok().map(|p| p.expiry),
            Some(Expiry::DaysAfterEarn { days: 30 })
        );
    }
}
