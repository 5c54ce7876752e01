//! The cycles an activation ranks by: the current and the previous cycle as of its start,
//! with the instants they begin and end. Fixed when the activation starts and stored with
//! its progress, so that a resumed activation ranks like an uninterrupted one and a
//! later refund knows what BACKFILL counted without a tag on every order.
use crate::program::Policy;
use crate::shops::local_midnight;
use chrono::{DateTime, NaiveDate, Utc};
use loyalty_entities::program_activation;
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, SimpleExpr};

/// The current and previous cycles of an activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First day of the current cycle.
    pub current: NaiveDate,
    /// First day of the previous cycle; `None` in a lifetime program.
    pub previous: Option<NaiveDate>,
    /// The instant the current cycle begins.
    pub current_from: DateTime<Utc>,
    /// The instant the previous cycle begins.
    pub previous_from: Option<DateTime<Utc>>,
    /// The instant the next cycle begins; `None` in a lifetime program.
    pub next_from: Option<DateTime<Utc>>,
}

impl Window {
    /// The cycles of `policy` (as the program will be once ACTIVE) at `now`.
    pub fn at(policy: &Policy, now: DateTime<Utc>) -> Self {
        let tz = policy.shop.time_zone;
        let current = policy.cycle_of(now, now);
        let previous = policy.previous_cycle(current);
        Self {
            current,
            previous,
            current_from: local_midnight(tz, current),
            previous_from: previous.map(|p| local_midnight(tz, p)),
            next_from: policy
                .next_cycle(current, now)
                .map(|n| local_midnight(tz, n)),
        }
    }

    /// The window stored with an activation.
    pub fn of(row: &program_activation::Model) -> Self {
        Self {
            current: row.current_cycle,
            previous: row.previous_cycle,
            current_from: row.current_from,
            previous_from: row.previous_from,
            next_from: row.next_from,
        }
    }

    /// The cycle whose spend something dated `at` (an order placed, opening spend
    /// imported) counts in: the current or the previous cycle, or none.
    pub fn cycle_of(&self, at: DateTime<Utc>) -> Option<NaiveDate> {
        if at >= self.current_from {
            self.next_from
                .is_none_or(|n| at < n)
                .then_some(self.current)
        } else {
            self.previous_from.filter(|p| at >= *p).and(self.previous)
        }
    }

    /// SQL for [`Self::cycle_of`] being some cycle: `at` in [start of the previous
    /// cycle (or the current), start of the next).
    pub fn covers(&self, at: impl IntoColumnRef + Copy) -> SimpleExpr {
        let from = Expr::col(at).gte(self.previous_from.unwrap_or(self.current_from));
        match self.next_from {
            Some(next) => from.and(Expr::col(at).lt(next)),
            None => from,
        }
    }

    /// SQL for [`Self::cycle_of`] being the current cycle, given [`Self::covers`].
    pub fn in_current(&self, at: impl IntoColumnRef) -> SimpleExpr {
        Expr::col(at).gte(self.current_from)
    }

    /// SQL for [`Self::cycle_of`], `otherwise` where it is none.
    pub fn cycle_expr(&self, at: impl IntoColumnRef + Copy, otherwise: SimpleExpr) -> SimpleExpr {
        let mut case = Expr::case(self.covers(at).and(self.in_current(at)), self.current);
        if let (Some(previous), Some(from)) = (self.previous, self.previous_from) {
            case = case.case(
                Expr::col(at)
                    .gte(from)
                    .and(Expr::col(at).lt(self.current_from)),
                previous,
            );
        }
        case.finally(otherwise).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        at(y, m, d).date_naive()
    }

    #[test]
    fn counts_the_current_and_previous_cycles_only() {
        let w = Window {
            current: day(2026, 1, 1),
            previous: Some(day(2025, 1, 1)),
            current_from: at(2026, 1, 1),
            previous_from: Some(at(2025, 1, 1)),
            next_from: Some(at(2027, 1, 1)),
        };
        assert_eq!(w.cycle_of(at(2026, 6, 1)), Some(day(2026, 1, 1)));
        assert_eq!(w.cycle_of(at(2025, 6, 1)), Some(day(2025, 1, 1)));
        assert_eq!(w.cycle_of(at(2024, 12, 31)), None);
        assert_eq!(w.cycle_of(at(2027, 1, 1)), None, "the next cycle's");
        let lifetime = Window {
            previous: None,
            previous_from: None,
            next_from: None,
            ..w
        };
        assert_eq!(lifetime.cycle_of(at(2030, 1, 1)), Some(day(2026, 1, 1)));
        assert_eq!(lifetime.cycle_of(at(2025, 1, 1)), None);
    }
}
