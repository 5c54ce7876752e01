//! When earned points expire (seed 000 s.3): never, N days after earning, or at the end
//! of the period they were earned in (every N months from the cycle start, shop time).
use super::cycle::period_start;
use super::settings::{Expiry, Program};
use crate::shops::local_midnight;
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use chrono_tz::Tz;

/// The instant points earned at `earned_at` expire, if they do. `anchor` is the first
/// day periods count from (the cycle start, or the activation day).
pub fn expires_at(
    program: &Program,
    tz: Tz,
    anchor: NaiveDate,
    earned_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match program.expiry {
        Expiry::Never => None,
        Expiry::DaysAfterEarn { days } => Some(earned_at + Duration::days(i64::from(days))),
        Expiry::EndOfPeriod { months } => {
            let day = earned_at.with_timezone(&tz).date_naive();
            let start = period_start(anchor, months, day);
            let end = start.checked_add_months(Months::new(months))?;
            Some(local_midnight(tz, end))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn each_kind() {
        let tz: Tz = chrono_tz::Asia::Ho_Chi_Minh;
        let anchor = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let mut p = Program::defaults(Uuid::nil());
        assert_eq!(expires_at(&p, tz, anchor, at("2026-03-10T05:00:00Z")), None);
        p.expiry = Expiry::DaysAfterEarn { days: 30 };
        assert_eq!(
            expires_at(&p, tz, anchor, at("2026-03-10T05:00:00Z")),
            Some(at("2026-04-09T05:00:00Z"))
        );
        p.expiry = Expiry::EndOfPeriod { months: 12 };
        // Earned in 2026 (Vietnam time): expires at the start of 2027 in Vietnam.
        assert_eq!(
            expires_at(&p, tz, anchor, at("2026-03-10T05:00:00Z")),
            Some(at("2026-12-31T17:00:00Z"))
        );
        // 31 Dec 2026 18:00 UTC is already 1 Jan 2027 in Vietnam: the next period.
        assert_eq!(
            expires_at(&p, tz, anchor, at("2026-12-31T18:00:00Z")),
            Some(at("2027-12-31T17:00:00Z"))
        );
        p.expiry = Expiry::EndOfPeriod { months: 3 };
        assert_eq!(
            expires_at(&p, tz, anchor, at("2026-05-01T00:00:00Z")),
            Some(at("2026-06-30T17:00:00Z"))
        );
    }
}
