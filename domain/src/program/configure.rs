//! Changing the program's settings, with the seed's rules on what may change when.
use super::settings::{
    Cycle, CycleKind, Expiry, ExpiryKind, Program, ProgramPatch, ProgramStatus, Redemption,
};
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
        crate::money::vnd_from_decimal("spendPerRankingPoint", spend)?;
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
    next.redemption = redemption(current.redemption, patch)?;
    if next.redemption == Redemption::FollowsPointValue && next.point_value().is_none() {
        let field = if patch.reward_rate_percent.is_some() {
            "rewardRatePercent"
        } else {
            "redemptionFollowsPointValue"
        };
        return Err(DomainError::invalid(
            field,
            "at a 0 % reward rate a point has no value for the redemption to follow: \
             set pointsPerThousandVnd too",
        ));
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
            ExpiryKind::Never => {
                unused("expiry.days", days, "NEVER")?;
                unused("expiry.periodMonths", months, "NEVER")?;
                Expiry::Never
            }
            ExpiryKind::DaysAfterEarn => {
                unused("expiry.periodMonths", months, "DAYS_AFTER_EARN")?;
                Expiry::DaysAfterEarn {
                    days: bounded("expiry.days", days, MAX_EXPIRY_DAYS)?,
                }
            }
            ExpiryKind::EndOfPeriod => {
                unused("expiry.days", days, "END_OF_PERIOD")?;
                Expiry::EndOfPeriod {
                    months: bounded("expiry.periodMonths", months, MAX_PERIOD_MONTHS)?,
                }
            }
        };
    }
    if let Some((kind, months, starts_on)) = patch.cycle {
        next.cycle = match kind {
            CycleKind::Lifetime => {
                unused("cycle.months", months, "LIFETIME")?;
                unused("cycle.startsOn", starts_on, "LIFETIME")?;
                Cycle::Lifetime
            }
            CycleKind::CalendarYear => {
                unused("cycle.months", months, "CALENDAR_YEAR")?;
                unused("cycle.startsOn", starts_on, "CALENDAR_YEAR")?;
                Cycle::CalendarYear
            }
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

/// The redemption after `patch`: a number of points per 1,000 VND makes it the
/// merchant's, `redemptionFollowsPointValue: true` gives it back to the point value.
fn redemption(current: Redemption, patch: &ProgramPatch) -> Result<Redemption> {
    match (
        patch.points_per_thousand_vnd,
        patch.redemption_follows_point_value,
    ) {
        (Some(_), Some(true)) => Err(DomainError::invalid(
            "redemptionFollowsPointValue",
            "a redemption that follows the point value takes no pointsPerThousandVnd: give one or the other",
        )),
        (None, Some(false)) => Err(DomainError::invalid(
            "redemptionFollowsPointValue",
            "give pointsPerThousandVnd to set the redemption rate yourself",
        )),
        (Some(points), _) if !(1..=1_000_000).contains(&points) => Err(DomainError::invalid(
            "pointsPerThousandVnd",
            "must be between 1 and 1,000,000",
        )),
        (Some(points), _) => Ok(Redemption::PointsPerThousandVnd(points)),
        (None, Some(true)) => Ok(Redemption::FollowsPointValue),
        (None, None) => Ok(current),
    }
}

/// Refuses a parameter the chosen kind would ignore, rather than dropping it silently:
/// a merchant who sends it believes it counts.
fn unused<T>(field: &str, value: Option<T>, kind: &str) -> Result<()> {
    match value {
        None => Ok(()),
        Some(_) => Err(DomainError::invalid(
            field,
            format!(
                "{kind} takes no {}: leave it out",
                field.rsplit('.').next().unwrap_or(field)
            ),
        )),
    }
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
    crate::audit::record(&txn, shop_id, &[]).await?;
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
    fn the_redemption_follows_the_point_value_until_set() {
        let p = Program::defaults(Uuid::now_v7());
        let earning = ProgramPatch {
            spend_per_ranking_point: Some(dec!(1000)),
            ..Default::default()
        };
        let next = apply_patch(&p, &earning).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(next.redemption_value(), dec!(1000));
        let set = ProgramPatch {
            points_per_thousand_vnd: Some(2),
            ..Default::default()
        };
        let next = apply_patch(&next, &set).unwrap_or_else(|e| panic!("{e}"));
        let rate = ProgramPatch {
            reward_rate_percent: Some(dec!(50)),
            ..Default::default()
        };
        let next = apply_patch(&next, &rate).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(next.redemption, Redemption::PointsPerThousandVnd(2));
        assert_eq!(next.redemption_value(), dec!(500));
        let back = ProgramPatch {
            redemption_follows_point_value: Some(true),
            ..Default::default()
        };
        let next = apply_patch(&next, &back).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(next.redemption_value(), dec!(2000));
        let zero = ProgramPatch {
            reward_rate_percent: Some(Decimal::ZERO),
            ..Default::default()
        };
        assert!(apply_patch(&next, &zero).is_err());
    }

    #[test]
    fn parameters_a_kind_ignores_are_refused() {
        let p = Program::defaults(Uuid::now_v7());
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1);
        for (kind, months, starts_on, blamed) in [
            (CycleKind::Lifetime, None, day, "cycle.startsOn"),
            (CycleKind::CalendarYear, None, day, "cycle.startsOn"),
            (CycleKind::CalendarYear, Some(12), None, "cycle.months"),
        ] {
            let patch = ProgramPatch {
                cycle: Some((kind, months, starts_on)),
                ..Default::default()
            };
            match apply_patch(&p, &patch) {
                Err(DomainError::InvalidInput { field, .. }) => {
                    assert_eq!(field.as_deref(), Some(blamed), "{kind:?}");
                }
                other => panic!("{kind:?}: {other:?}"),
            }
        }
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
