//! A window of shop time: a date range, some weekdays, some hours of the day. Shared by
//! the `time_window` eligibility kind and by `points_multiplier`, which may boost points
//! only within one, so both read and word a window the same way.
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde_json::Value;

/// The window's arguments, as both kinds declare them.
pub const ARGS: [ArgSpec; 5] = [
    ArgSpec {
        name: "from_date",
        ty: ArgType::Date,
        required: false,
        description: "first day, YYYY-MM-DD in the shop's time zone",
    },
    ArgSpec {
        name: "until_date",
        ty: ArgType::Date,
        required: false,
        description: "last day (included), YYYY-MM-DD, not before from_date",
    },
    ArgSpec {
        name: "weekdays",
        ty: ArgType::Ids,
        required: false,
        description: "days of the week, [\"SAT\", \"SUN\"] (MON to SUN)",
    },
    ArgSpec {
        name: "from_time",
        ty: ArgType::Time,
        required: false,
        description: "start of the hours each day, HH:MM shop time",
    },
    ArgSpec {
        name: "until_time",
        ty: ArgType::Time,
        required: false,
        description: "end of the hours (excluded), HH:MM; before from_time: the hours run past midnight",
    },
];

/// A window of shop time; every part given must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// First day.
    pub from_date: Option<NaiveDate>,
    /// Last day, included.
    pub until_date: Option<NaiveDate>,
    /// Days of the week, Monday first; empty: every day.
    pub weekdays: Vec<Weekday>,
    /// Start of the hours.
    pub from_time: Option<NaiveTime>,
    /// End of the hours, excluded.
    pub until_time: Option<NaiveTime>,
}

fn invalid(kind: &'static str, arg: &'static str, problem: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        kind,
        arg,
        problem: problem.into(),
    }
}

fn text<'a>(
    kind: &'static str,
    a: &'a Args,
    arg: &'static str,
) -> Result<Option<&'a str>, RuleError> {
    match a.get(arg) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= 10 => Ok(Some(s.trim())),
        Some(other) => Err(invalid(
            kind,
            arg,
            format!("must be a short string, got {other}"),
        )),
    }
}

fn date(kind: &'static str, a: &Args, arg: &'static str) -> Result<Option<NaiveDate>, RuleError> {
    text(kind, a, arg)?
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| invalid(kind, arg, format!("'{s}' is not a date YYYY-MM-DD")))
        })
        .transpose()
}

fn time(kind: &'static str, a: &Args, arg: &'static str) -> Result<Option<NaiveTime>, RuleError> {
    text(kind, a, arg)?
        .map(|s| {
            NaiveTime::parse_from_str(s, "%H:%M")
                .map_err(|_| invalid(kind, arg, format!("'{s}' is not a time HH:MM")))
        })
        .transpose()
}

const DAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Mon, "MON", "Mondays"),
    (Weekday::Tue, "TUE", "Tuesdays"),
    (Weekday::Wed, "WED", "Wednesdays"),
    (Weekday::Thu, "THU", "Thursdays"),
    (Weekday::Fri, "FRI", "Fridays"),
    (Weekday::Sat, "SAT", "Saturdays"),
    (Weekday::Sun, "SUN", "Sundays"),
];

fn weekdays(kind: &'static str, a: &Args) -> Result<Vec<Weekday>, RuleError> {
    let Some(names) = args::ids(kind, a, "weekdays")? else {
        return Ok(Vec::new());
    };
    let mut days = Vec::new();
    for name in names {
        let day = DAYS
            .iter()
            .find(|(_, short, _)| short.eq_ignore_ascii_case(&name))
            .map(|(d, _, _)| *d)
            .ok_or_else(|| {
                invalid(
                    kind,
                    "weekdays",
                    format!("'{name}' is not one of MON to SUN"),
                )
            })?;
        if !days.contains(&day) {
            days.push(day);
        }
    }
    days.sort_by_key(Weekday::num_days_from_monday);
    Ok(days)
}

/// "A, B and C".
fn listed(parts: &[&str]) -> String {
    match parts {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Window {
    /// The window `a` describes with [`ARGS`]; `None` when it names none of them.
    pub fn from_args(kind: &'static str, a: &Args) -> Result<Option<Self>, RuleError> {
        let w = Self {
            from_date: date(kind, a, "from_date")?,
            until_date: date(kind, a, "until_date")?,
            weekdays: weekdays(kind, a)?,
            from_time: time(kind, a, "from_time")?,
            until_time: time(kind, a, "until_time")?,
        };
        if let (Some(f), Some(u)) = (w.from_date, w.until_date)
            && u < f
        {
            return Err(invalid(kind, "until_date", "is before from_date"));
        }
        if w.from_time.is_some() && w.from_time == w.until_time {
            return Err(invalid(
                kind,
                "until_time",
                "equals from_time: no hours at all",
            ));
        }
        let empty = w.from_date.is_none()
            && w.until_date.is_none()
            && w.weekdays.is_empty()
            && w.from_time.is_none()
            && w.until_time.is_none();
        Ok((!empty).then_some(w))
    }

    /// Whether `at` (shop time) falls in the window, or the first part it misses worded
    /// for a cashier ("Sundays only").
    pub fn check(&self, at: Option<NaiveDateTime>) -> Result<(), String> {
        let Some(at) = at else {
            return Err("needs the time of the sale".to_owned());
        };
        let day = at.date();
        let range = |f: NaiveDate, u: Option<NaiveDate>| match u {
            Some(u) => format!("runs from {f} to {u}"),
            None => format!("runs from {f}"),
        };
        if let Some(f) = self.from_date.filter(|f| day < *f) {
            return Err(range(f, self.until_date));
        }
        if let Some(u) = self.until_date.filter(|u| day > *u) {
            return Err(match self.from_date {
                Some(f) => range(f, Some(u)),
                None => format!("ran until {u}"),
            });
        }
        if !self.weekdays.is_empty() && !self.weekdays.contains(&day.weekday()) {
            let names: Vec<&str> = DAYS
                .iter()
                .filter(|(d, _, _)| self.weekdays.contains(d))
                .map(|(_, _, plural)| *plural)
                .collect();
            return Err(format!("{} only", listed(&names)));
        }
        let t = at.time();
        let hm = |t: NaiveTime| t.format("%H:%M").to_string();
        let (inside, hours) = match (self.from_time, self.until_time) {
            (Some(f), Some(u)) if f < u => (f <= t && t < u, format!("{} to {}", hm(f), hm(u))),
            (Some(f), Some(u)) => (t >= f || t < u, format!("{} to {}", hm(f), hm(u))),
            (Some(f), None) => (t >= f, format!("from {}", hm(f))),
            (None, Some(u)) => (t < u, format!("before {}", hm(u))),
            (None, None) => return Ok(()),
        };
        if inside {
            Ok(())
        } else {
            Err(format!("{hours} only"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn window(v: Value) -> Result<Option<Window>, RuleError> {
        Window::from_args("time_window", v.as_object().unwrap_or(&Args::new()))
    }

    fn at(s: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").ok()
    }

    #[test]
    fn each_part_is_worded_when_missed() {
        let w = window(
            json!({"from_date": "2026-12-01", "until_date": "2026-12-31",
            "weekdays": ["sun", "SAT"], "from_time": "11:00", "until_time": "14:00"}),
        )
        .expect("valid")
        .expect("a window");
        // 2026-12-06 is a Sunday.
        assert_eq!(w.check(at("2026-12-06 11:00")), Ok(()));
        assert_eq!(
            w.check(at("2026-11-29 12:00")),
            Err("runs from 2026-12-01 to 2026-12-31".into())
        );
        assert_eq!(
            w.check(at("2026-12-07 12:00")),
            Err("Saturdays and Sundays only".into())
        );
        assert_eq!(
            w.check(at("2026-12-06 14:00")),
            Err("11:00 to 14:00 only".into()),
            "the end is excluded"
        );
        assert_eq!(w.check(None), Err("needs the time of the sale".into()));
        let ended = window(json!({"until_date": "2026-12-01", "from_time": "18:00"}))
            .expect("valid")
            .expect("a window");
        assert_eq!(
            ended.check(at("2026-12-02 19:00")),
            Err("ran until 2026-12-01".into())
        );
        assert_eq!(
            ended.check(at("2026-12-01 17:59")),
            Err("from 18:00 only".into())
        );
        assert_eq!(ended.check(at("2026-12-01 18:00")), Ok(()));
    }

    #[test]
    fn hours_may_run_past_midnight() {
        let w = window(json!({"from_time": "22:00", "until_time": "02:00"}))
            .expect("valid")
            .expect("a window");
        assert_eq!(w.check(at("2026-12-06 23:30")), Ok(()));
        assert_eq!(w.check(at("2026-12-07 01:59")), Ok(()));
        assert!(w.check(at("2026-12-07 02:00")).is_err());
    }

    #[test]
    fn impossible_windows_are_refused() {
        for bad in [
            json!({"from_date": "2026-12-31", "until_date": "2026-12-01"}),
            json!({"from_date": "31/12/2026"}),
            json!({"weekdays": ["FUNDAY"]}),
            json!({"weekdays": []}),
            json!({"from_time": "25:00"}),
            json!({"from_time": "10:00", "until_time": "10:00"}),
            json!({"from_time": 10}),
        ] {
            assert!(window(bad.clone()).is_err(), "{bad}");
        }
        assert_eq!(window(json!({})), Ok(None));
    }
}
