//! Where a member's tier is computed: from ranking spend against the tier thresholds.
use super::Tier;
use crate::Result;
use crate::program::{Program, ProgramStatus};
use loyalty_entities::member;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Ranking points for a whole-VND spend: floor(spend / spend per ranking point).
pub fn ranking_points(spend: i64, spend_per_ranking_point: Decimal) -> i64 {
    if spend_per_ranking_point <= Decimal::ZERO {
        return 0;
    }
    // Checked: a plain division panics past Decimal's range (a tiny conversion).
    Decimal::from(spend)
        .checked_div(spend_per_ranking_point)
        .and_then(|q| q.floor().to_i64())
        .unwrap_or(i64::MAX)
}

/// The smallest whole-VND spend whose ranking points reach the tier's ranking points.
///
/// Tiers are set in spend and reached in ranking points (seed 001); when a threshold is
/// not a multiple of the conversion, the points decide. Comparing spend against this
/// value in SQL gives the same answer as comparing points, without decimal division there.
pub fn effective_threshold(min_spend: i64, spend_per_ranking_point: Decimal) -> i64 {
    let points = ranking_points(min_spend, spend_per_ranking_point);
    Decimal::from(points)
        .checked_mul(spend_per_ranking_point)
        .and_then(|v| v.ceil().to_i64())
        .unwrap_or(i64::MAX)
}

/// The highest tier a ranking spend reaches; `tiers` in any order.
pub fn tier_for_spend(
    tiers: &[Tier],
    ranking_spend: i64,
    spend_per_ranking_point: Decimal,
) -> Option<&Tier> {
    tiers
        .iter()
        .filter(|t| {
            t.is_initial
                || ranking_spend >= effective_threshold(t.min_spend, spend_per_ranking_point)
        })
        .max_by_key(|t| t.min_spend)
}

/// Recomputes the tier of every member of the shop in one statement; does nothing while
/// the program is a draft (tiers are assigned at activation).
pub async fn recompute_all<C: ConnectionTrait>(conn: &C, program: &Program) -> Result<()> {
    if program.status != ProgramStatus::Active {
        return Ok(());
    }
    let mut tiers = super::service::rows(conn, program.shop_id).await?;
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
    member::Entity::update_many()
        .col_expr(member::Column::TierId, case.into())
        .filter(member::Column::ShopId.eq(program.shop_id))
        .exec(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn points_decide_when_threshold_is_not_a_multiple() {
        assert_eq!(ranking_points(1_999_999, dec!(1000)), 1999);
        assert_eq!(effective_threshold(2_000_000, dec!(1000)), 2_000_000);
        assert_eq!(effective_threshold(2_500_500, dec!(1000)), 2_500_000);
        assert_eq!(effective_threshold(2_000_000, dec!(1)), 2_000_000);
        assert_eq!(effective_threshold(10, dec!(3.3)), 10);
        assert_eq!(ranking_points(10, dec!(3.3)), 3);
    }
}
