//! Eligibility: only within a window of shop time (a date range, weekdays, hours), as
//! in "Sundays only" or "11:00 to 14:00 only".
use super::window::{self, Window};
use crate::args::{self, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, SkipReason};
use crate::shopper::Shopper;

const NAME: &str = "time_window";

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Eligibility: only within a window of shop time (dates, weekdays, hours); give at least one part.",
    args: &window::ARGS,
    build,
};

/// Within this window only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeWindow(pub Window);

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, &window::ARGS)?;
    let w = Window::from_args(NAME, a)?.ok_or_else(|| {
        RuleError::Offer(format!(
            "{NAME}: give at least one of from_date, until_date, weekdays, from_time, until_time"
        ))
    })?;
    Ok(Box::new(TimeWindow(w)))
}

impl DiscountRule for TimeWindow {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Eligibility
    }
    fn apply(&self, _: &mut Evaluation<'_>) {}
    fn admits(&self, shopper: &Shopper) -> Result<(), SkipReason> {
        self.0.check(shopper.local_time).map_err(SkipReason::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn needs_one_part_and_reads_shop_time() {
        assert!(build(&Args::new()).is_err());
        let rule = build(
            json!({"weekdays": ["SUN"]})
                .as_object()
                .unwrap_or(&Args::new()),
        )
        .expect("valid");
        let at = |s: &str| Shopper {
            local_time: chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").ok(),
            ..Shopper::unknown()
        };
        assert_eq!(rule.admits(&at("2026-12-06 09:00")), Ok(()));
        assert_eq!(
            rule.admits(&at("2026-12-05 09:00")),
            Err(SkipReason::Other("Sundays only".into()))
        );
    }
}
