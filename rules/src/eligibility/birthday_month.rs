//! Eligibility: only in the customer's birthday month (shop time), the classic
//! birthday present. A customer with no birthday on file never has it.
use crate::args::{self, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, SkipReason};
use crate::shopper::Shopper;
use chrono::Datelike;

const NAME: &str = "birthday_month";

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Eligibility: only in the customer's birthday month.",
    args: &[],
    build,
};

/// In the birthday month only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthdayMonth;

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, &[])?;
    Ok(Box::new(BirthdayMonth))
}

impl DiscountRule for BirthdayMonth {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Eligibility
    }
    fn apply(&self, _: &mut Evaluation<'_>) {}
    fn admits(&self, shopper: &Shopper) -> Result<(), SkipReason> {
        let month = shopper.local_time.map(|t| t.month());
        match (shopper.birth_month, month) {
            (Some(b), Some(m)) if b == m => Ok(()),
            (None, _) => Err(SkipReason::Other(
                "in the customer's birthday month only; no birthday on file".to_owned(),
            )),
            _ => Err(SkipReason::Other(
                "in the customer's birthday month only".to_owned(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_in_the_birthday_month_only() {
        let who = |birth: Option<u32>| Shopper {
            birth_month: birth,
            local_time: chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
                .and_then(|d| d.and_hms_opt(10, 0, 0)),
            ..Shopper::unknown()
        };
        assert_eq!(BirthdayMonth.admits(&who(Some(12))), Ok(()));
        assert_eq!(
            BirthdayMonth.admits(&who(Some(11))),
            Err(SkipReason::Other(
                "in the customer's birthday month only".into()
            ))
        );
        assert!(BirthdayMonth.admits(&who(None)).is_err());
    }
}
