//! Accumulation cycles: which window of ranking spend counts toward the tier today.
//!
//! Days are the shop's days. A cycle is named by its first day. A tier earned in one
//! cycle is kept through the next (see `ranking`), so a roll never drops a member
//! who qualified last cycle.
use super::settings::{Cycle, Program};
use chrono::{Datelike, Months, NaiveDate};

/// The first day of the cycle containing `day`. `anchor` is the program's activation
/// day, used by lifetime cycles and by rolling cycles without a start date.
pub fn cycle_start(program: &Program, anchor: NaiveDate, day: NaiveDate) -> NaiveDate {
    match program.cycle {
        Cycle::Lifetime => lifetime_start(),
        Cycle::CalendarYear => NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day),
        Cycle::RollingMonths { months, starts_on } => {
            period_start(starts_on.unwrap_or(anchor), months, day)
        }
    }
}

/// The one cycle of a lifetime program: every day belongs to it.
pub fn lifetime_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The first day of the cycle before the one starting on `start`.
pub fn previous_cycle_start(program: &Program, start: NaiveDate) -> Option<NaiveDate> {
    match program.cycle {
        Cycle::Lifetime => None,
        Cycle::CalendarYear => NaiveDate::from_ymd_opt(start.year() - 1, 1, 1),
        Cycle::RollingMonths { months, .. } => start.checked_sub_months(Months::new(months)),
    }
}

/// The first day of the cycle after the one starting on `start`; `None` in a lifetime
/// program, whose one cycle never ends. `anchor` as in [`cycle_start`].
pub fn next_cycle_start(
    program: &Program,
    anchor: NaiveDate,
    start: NaiveDate,
) -> Option<NaiveDate> {
    match program.cycle {
        Cycle::Lifetime => None,
        Cycle::CalendarYear => NaiveDate::from_ymd_opt(start.year() + 1, 1, 1),
        Cycle::RollingMonths { months, .. } => {
            // `start` + the length may fall up to three days short of the next start
            // (month ends clamp), never into the cycle after it.
            let inside =
                start.checked_add_months(Months::new(months.max(1)))? + chrono::Days::new(3);
            Some(cycle_start(program, anchor, inside))
        }
    }
}

/// The start of the `months`-long period, counted from `anchor`, that contains `day`.
pub fn period_start(anchor: NaiveDate, months: u32, day: NaiveDate) -> NaiveDate {
    let months = months.max(1);
    let elapsed = (day.year() - anchor.year()) * 12 + day.month() as i32 - anchor.month() as i32;
    let mut k = elapsed.div_euclid(months as i32);
    // Month arithmetic clamps day-of-month (31 Jan + 1 month = 28 Feb), so settle the
    // period by comparing real dates.
    loop {
        let start = shift(anchor, k * months as i32);
        if start > day {
            k -= 1;
            continue;
        }
        if shift(anchor, (k + 1) * months as i32) <= day {
            k += 1;
            continue;
        }
        return start;
    }
}

fn shift(anchor: NaiveDate, months: i32) -> NaiveDate {
    if months >= 0 {
        anchor.checked_add_months(Months::new(months as u32))
    } else {
        anchor.checked_sub_months(Months::new(months.unsigned_abs()))
    }
    .unwrap_or(anchor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn calendar_year_and_rolling() {
        let mut p = Program::defaults(Uuid::nil());
        p.cycle = Cycle::CalendarYear;
        assert_eq!(
            cycle_start(&p, d(2025, 6, 1), d(2026, 11, 23)),
            d(2026, 1, 1)
        );
        assert_eq!(previous_cycle_start(&p, d(2026, 1, 1)), Some(d(2025, 1, 1)));
        assert_eq!(
            next_cycle_start(&p, d(2020, 1, 1), d(2026, 1, 1)),
            Some(d(2027, 1, 1))
        );
        p.cycle = Cycle::RollingMonths {
            months: 6,
            starts_on: Some(d(2026, 1, 15)),
        };
        assert_eq!(
            cycle_start(&p, d(2020, 1, 1), d(2026, 7, 14)),
            d(2026, 1, 15)
        );
        assert_eq!(
            cycle_start(&p, d(2020, 1, 1), d(2026, 7, 15)),
            d(2026, 7, 15)
        );
        assert_eq!(
            cycle_start(&p, d(2020, 1, 1), d(2025, 12, 1)),
            d(2025, 7, 15)
        );
        assert_eq!(
            previous_cycle_start(&p, d(2026, 7, 15)),
            Some(d(2026, 1, 15))
        );
    }

    #[test]
    fn the_next_rolling_cycle_starts_where_the_period_does() {
        let mut p = Program::defaults(Uuid::nil());
        p.cycle = Cycle::RollingMonths {
            months: 1,
            starts_on: Some(d(2026, 1, 31)),
        };
        let anchor = d(2020, 1, 1);
        assert_eq!(
            next_cycle_start(&p, anchor, d(2026, 2, 28)),
            Some(d(2026, 3, 31))
        );
        assert_eq!(
            next_cycle_start(&p, anchor, d(2026, 1, 31)),
            Some(d(2026, 2, 28))
        );
        p.cycle = Cycle::Lifetime;
        assert_eq!(next_cycle_start(&p, anchor, lifetime_start()), None);
    }

    #[test]
    fn periods_from_month_ends_settle_on_real_dates() {
        assert_eq!(
            period_start(d(2026, 1, 31), 1, d(2026, 2, 28)),
            d(2026, 2, 28)
        );
        assert_eq!(
            period_start(d(2026, 1, 31), 1, d(2026, 2, 27)),
            d(2026, 1, 31)
        );
        assert_eq!(
            period_start(d(2026, 1, 1), 12, d(2026, 12, 31)),
            d(2026, 1, 1)
        );
        assert_eq!(
            period_start(d(2026, 1, 1), 12, d(2027, 1, 1)),
            d(2027, 1, 1)
        );
    }
}
