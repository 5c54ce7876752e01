//! Opening spend: what the opening-data file says a customer spent before the shop came
//! here (seed 001, BACKFILL ranks members by "all earlier spend"). It is a record of its
//! own, one `opening_spend` row per customer, beside the orders recorded here:
//!
//! - Importing the file again replaces the row (the same values change nothing), and the
//!   member's ranking counter moves by the difference, so nothing is counted twice.
//! - A member's ranking spend in a cycle is their opening amount counted in that cycle
//!   plus their orders', whichever came first: orders never touch this row.
//! - Like an order's, the row's `ranking_cycle` says which cycle's counter holds it: set
//!   when it counts (an import under an active program, or BACKFILL activation), so a
//!   later replacement takes back exactly what it gave.
use super::activation::Window;
use crate::program::ranking::{add_spend, roll};
use crate::program::{Cycle, Policy};
use crate::{DomainError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use loyalty_entities::{member, opening_spend};
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect,
};
use uuid::Uuid;

/// What one row of the file says about spend; `None` leaves what is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpeningInput {
    /// `total_spent`: everything the customer spent, whole VND.
    pub total_spent: Option<i64>,
    /// `cycle_spent`: the part of it inside the current accumulation cycle.
    pub cycle_spent: Option<i64>,
}

impl OpeningInput {
    /// Whether the row says nothing about spend.
    pub fn is_empty(&self) -> bool {
        self.total_spent.is_none() && self.cycle_spent.is_none()
    }
}

/// The ranking spend opening amounts give in a program with `cycle`: all of the spend in
/// a lifetime cycle; in any other, only the spend inside the current cycle, which only
/// `cycle_spent` tells (without it, nothing).
pub fn ranking_amount(cycle: &Cycle, total_spent: Option<i64>, cycle_spent: Option<i64>) -> i64 {
    match cycle {
        Cycle::Lifetime => total_spent.unwrap_or(0),
        Cycle::CalendarYear | Cycle::RollingMonths { .. } => cycle_spent.unwrap_or(0),
    }
}

/// Whether, in a program with `cycle`, spend given without `cycle_spent` ranks nothing
/// (the import report warns once).
pub fn ranks_nothing(cycle: &Cycle, total_spent: Option<i64>, cycle_spent: Option<i64>) -> bool {
    !matches!(cycle, Cycle::Lifetime) && total_spent.is_some_and(|t| t > 0) && cycle_spent.is_none()
}

/// The import report's warning when [`ranks_nothing`] held for a row.
pub const UNRANKED_WARNING: &str = "the program's accumulation cycle is not LIFETIME: total_spent \
     ranks nothing without cycle_spent (the spend inside the current cycle), so rows with \
     total_spent and no cycle_spent start with no ranking spend";

/// A checked change to a customer's opening spend, not yet written.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    old: Option<opening_spend::Model>,
    new: opening_spend::Model,
}

/// What a row does to the customer's opening spend.
#[derive(Debug, Clone, Default)]
pub(crate) struct Planned {
    /// The change, or `None` when the row leaves the stored values as they are.
    pub change: Option<Change>,
    /// Whether the row's spend ranks nothing in this cycle ([`ranks_nothing`]).
    pub unranked: bool,
}

/// Merges `input` into the stored opening spend of member `member_id` (`is_new`: a
/// member not written yet, so with nothing stored). Refuses a `cycle_spent` above the
/// `total_spent` it belongs to. Writes nothing, so that a refused row writes nothing.
pub(crate) async fn plan(
    txn: &DatabaseTransaction,
    policy: &Policy,
    member_id: Uuid,
    is_new: bool,
    input: OpeningInput,
    now: DateTime<Utc>,
) -> Result<Planned> {
    if input.is_empty() {
        return Ok(Planned::default());
    }
    let shop_id = policy.shop.id;
    let old = if is_new {
        None
    } else {
        opening_spend::Entity::find_by_id((shop_id, member_id))
            .one(txn)
            .await?
    };
    let total_spent = input
        .total_spent
        .or(old.as_ref().and_then(|o| o.total_spent));
    let cycle_spent = input
        .cycle_spent
        .or(old.as_ref().and_then(|o| o.cycle_spent));
    if let (Some(total), Some(cycle)) = (total_spent, cycle_spent)
        && cycle > total
    {
        return Err(DomainError::invalid(
            "cycle_spent",
            format!(
                "cycle_spent {cycle} is above total_spent {total}: the spend inside the cycle is part of the total"
            ),
        ));
    }
    let cycle = &policy.program.cycle;
    let unranked = ranks_nothing(cycle, total_spent, cycle_spent);
    if old
        .as_ref()
        .is_some_and(|o| o.total_spent == total_spent && o.cycle_spent == cycle_spent)
    {
        return Ok(Planned {
            change: None,
            unranked,
        });
    }
    let new = opening_spend::Model {
        shop_id,
        member_id,
        total_spent,
        cycle_spent,
        ranking_amount: ranking_amount(cycle, total_spent, cycle_spent),
        ranking_cycle: None,
        imported_at: now,
    };
    Ok(Planned {
        change: Some(Change { old, new }),
        unranked,
    })
}

impl Change {
    /// Moves the member's ranking counters by the change, as an order moves them: under
    /// an active program the member is rolled to `now`, the replaced amount leaves the
    /// cycle it was counted in, the new one counts in the current cycle, and the tier
    /// follows. In a draft program nothing counts yet (BACKFILL activation counts it).
    pub(crate) fn count(&mut self, policy: &Policy, row: &mut member::Model, now: DateTime<Utc>) {
        if !policy.is_active() {
            return;
        }
        roll(policy, row, now);
        if let Some(old) = &self.old
            && let Some(cycle) = old.ranking_cycle
        {
            add_spend(policy, row, cycle, -old.ranking_amount);
        }
        let cycle = policy.cycle_of(self.new.imported_at, now);
        self.new.ranking_cycle =
            add_spend(policy, row, cycle, self.new.ranking_amount).then_some(cycle);
    }

    /// Writes the new row (after the member's, which it names).
    pub(crate) async fn save(self, txn: &DatabaseTransaction) -> Result<()> {
        let row = self.new.into_active_model();
        if self.old.is_some() {
            row.reset_all().update(txn).await?;
        } else {
            opening_spend::Entity::insert(row)
                .exec_without_returning(txn)
                .await?;
        }
        Ok(())
    }
}

/// The rows of changes with nothing stored before (customers new in this transaction),
/// for a writer of its own; refuses a change that replaces a stored row.
pub(crate) fn new_rows(changes: Vec<Change>) -> Result<Vec<opening_spend::Model>> {
    if changes.iter().any(|c| c.old.is_some()) {
        return Err(DomainError::Internal(
            "only the opening spend of new customers is inserted".into(),
        ));
    }
    Ok(changes.into_iter().map(|c| c.new).collect())
}

/// Writes the opening spend of customers new in this transaction (changes with nothing
/// stored before), `chunk` rows a statement.
pub(crate) async fn insert_new(
    txn: &DatabaseTransaction,
    changes: Vec<Change>,
    chunk: usize,
) -> Result<()> {
    let rows = new_rows(changes)?;
    for part in rows.chunks(chunk.max(1)) {
        opening_spend::Entity::insert_many(part.iter().cloned().map(|r| r.into_active_model()))
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// At BACKFILL activation, for the members `members` selects: gives each opening row
/// the ranking amount of the program's cycle and tags those dated inside `window` with
/// the cycle they count in (as [`counted`] counts them), so that a later replacement
/// takes back exactly what they gave.
pub(crate) async fn mark_counted<C: ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    window: &Window,
    members: SimpleExpr,
) -> Result<()> {
    use opening_spend::Column as C;
    let source = match policy.program.cycle {
        Cycle::Lifetime => C::TotalSpent,
        Cycle::CalendarYear | Cycle::RollingMonths { .. } => C::CycleSpent,
    };
    opening_spend::Entity::update_many()
        .col_expr(
            C::RankingAmount,
            Func::coalesce([Expr::col(source), Expr::val(0i64)]).into(),
        )
        .col_expr(
            C::RankingCycle,
            window.cycle_expr(C::ImportedAt, Expr::col(C::RankingCycle)),
        )
        .filter(C::ShopId.eq(policy.shop.id))
        .filter(members)
        .exec(conn)
        .await?;
    Ok(())
}

/// What the opening rows of the members `members` selects count at BACKFILL activation:
/// (member, cycle, amount), the amount [`ranking_amount`] gives in the program's cycle.
pub(crate) async fn counted<C: ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    window: &Window,
    members: SimpleExpr,
) -> Result<Vec<(Uuid, NaiveDate, i64)>> {
    use opening_spend::Column as C;
    type Row = (Uuid, Option<i64>, Option<i64>, DateTime<Utc>);
    let rows: Vec<Row> = opening_spend::Entity::find()
        .select_only()
        .column(C::MemberId)
        .column(C::TotalSpent)
        .column(C::CycleSpent)
        .column(C::ImportedAt)
        .filter(C::ShopId.eq(policy.shop.id))
        .filter(members)
        .into_tuple()
        .all(conn)
        .await?;
    let cycle = &policy.program.cycle;
    Ok(rows
        .into_iter()
        .filter_map(|(m, total, spent, at)| {
            Some((m, window.cycle_of(at)?, ranking_amount(cycle, total, spent)))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetime_ranks_the_total_other_cycles_only_the_cycle_spend() {
        let rolling = Cycle::RollingMonths {
            months: 6,
            starts_on: None,
        };
        assert_eq!(ranking_amount(&Cycle::Lifetime, Some(5), Some(2)), 5);
        assert_eq!(ranking_amount(&Cycle::Lifetime, None, Some(2)), 0);
        assert_eq!(ranking_amount(&Cycle::CalendarYear, Some(5), Some(2)), 2);
        assert_eq!(ranking_amount(&rolling, Some(5), None), 0);
        assert!(ranks_nothing(&Cycle::CalendarYear, Some(5), None));
        assert!(!ranks_nothing(&Cycle::CalendarYear, Some(0), None));
        assert!(!ranks_nothing(&Cycle::CalendarYear, Some(5), Some(0)));
        assert!(!ranks_nothing(&Cycle::Lifetime, Some(5), None));
    }
}
