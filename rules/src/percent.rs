//! Percent off the order: the percent of the value of every line the offer may touch
//! (seed 004 takes the percent of the order total in every example), rounded half-up.
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::money::round_vnd;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, to_vnd};
use rust_decimal::Decimal;

const NAME: &str = "percent";
const ARGS: &[ArgSpec] = &[
    ArgSpec {
        name: "percent",
        ty: ArgType::Decimal,
        required: true,
        description: "percent off, above 0 and at most 100",
    },
    ArgSpec {
        name: "max_discount",
        ty: ArgType::Decimal,
        required: false,
        description: "at most this many VND off (the offer's maxDiscount); default no cap",
    },
];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Percent off the order total (the lines the offer may touch).",
    args: ARGS,
    build,
};

/// Percent off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percent {
    /// Above 0, at most 100.
    pub percent: Decimal,
    /// Most VND the offer takes off, whole and above 0; none: no cap.
    pub max_discount: Option<i64>,
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let percent = args::required_decimal(NAME, a, "percent")?;
    if percent <= Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
        return Err(RuleError::Invalid {
            kind: NAME,
            arg: "percent",
            problem: format!("must be above 0 and at most 100, got {percent}"),
        });
    }
    let max_discount = match args::decimal(NAME, a, "max_discount")? {
        None => None,
        Some(cap) if cap > Decimal::ZERO && cap.fract().is_zero() => Some(to_vnd(cap)),
        Some(cap) => {
            return Err(RuleError::Invalid {
                kind: NAME,
                arg: "max_discount",
                problem: format!("must be whole VND above 0, got {cap}"),
            });
        }
    };
    Ok(Box::new(Percent {
        percent,
        max_discount,
    }))
}

impl DiscountRule for Percent {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Discount
    }
    fn apply(&self, eval: &mut Evaluation<'_>) {
        let base = eval.order_value();
        let amount = to_vnd(round_vnd(
            Decimal::from(base) * self.percent / Decimal::ONE_HUNDRED,
        ));
        eval.spread(self.max_discount.map_or(amount, |cap| amount.min(cap)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: serde_json::Value) -> Args {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn validates_its_percent() {
        assert!(build(&args(json!({"percent": "20"}))).is_ok());
        assert!(build(&args(json!({"percent": "20", "max_discount": "50000"}))).is_ok());
        for bad in [
            json!({"percent": "101"}),
            json!({"percent": "0"}),
            json!({"percent": "-5"}),
            json!({}),
            json!({"percent": "x"}),
            json!({"percent": "10", "cap": 1}),
            json!({"percent": "10", "max_discount": "0"}),
            json!({"percent": "10", "max_discount": "10.5"}),
        ] {
            assert!(build(&args(bad.clone())).is_err(), "{bad}");
        }
        let msg = build(&args(json!({"percent": "150"})))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            msg.as_deref(),
            Some("percent: argument 'percent' must be above 0 and at most 100, got 150")
        );
    }
}
