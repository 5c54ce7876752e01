//! An offer: a target and its rules, evaluated on a cart.
use crate::args::Args;
use crate::cart::Cart;
use crate::error::RuleError;
use crate::rule::{Checkout, DiscountRule, Evaluation, Measure, Phase, RuleKind, SkipReason};
use crate::target::Target;
use rust_decimal::Decimal;

/// What an offer does to a cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It applies.
    Applied {
        /// Total discount, whole VND.
        amount: Decimal,
        /// Its share on each line.
        per_line: Vec<Decimal>,
    },
    /// It does not, and why (word it with [`Offer::explain`]).
    Skipped {
        /// Why.
        reason: SkipReason,
    },
}

/// A target plus rule instances, ordered by phase.
#[derive(Debug)]
pub struct Offer {
    target: Target,
    rules: Vec<Box<dyn DiscountRule>>,
}

impl Offer {
    /// An offer from rule instances; it needs exactly one discount rule.
    pub fn new(target: Target, mut rules: Vec<Box<dyn DiscountRule>>) -> Result<Self, RuleError> {
        let discounts = rules
            .iter()
            .filter(|r| r.phase() == Phase::Discount)
            .count();
        if discounts != 1 {
            return Err(RuleError::Offer(format!(
                "an offer needs exactly one discount rule, it has {discounts}"
            )));
        }
        if let Target::Products(ids) | Target::Groups(ids) = &target
            && ids.is_empty()
        {
            return Err(RuleError::Offer(
                "a product or group target needs at least one id".into(),
            ));
        }
        rules.sort_by_key(|r| r.phase());
        Ok(Self { target, rules })
    }

    /// Builds an offer from stored `(kind, args)` pairs, looking each kind up in `kinds`.
    pub fn from_config<'k>(
        target: Target,
        config: &[(String, Args)],
        lookup: impl Fn(&str) -> Option<&'k RuleKind>,
    ) -> Result<Self, RuleError> {
        let rules = config
            .iter()
            .map(|(kind, args)| {
                let k = lookup(kind).ok_or_else(|| RuleError::UnknownKind(kind.clone()))?;
                (k.build)(args)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(target, rules)
    }

    /// The offer's target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// A skip reason in words a cashier can read ("needs 2 of product A, cart has 1").
    pub fn explain(&self, reason: &SkipReason) -> String {
        reason.describe(&self.target)
    }

    /// Evaluates the offer on a cart nothing else has discounted.
    pub fn evaluate(&self, cart: &Cart) -> Outcome {
        self.evaluate_in(&Checkout::new(cart))
    }

    /// Evaluates the offer on what is left of a checkout; the checkout is not changed
    /// (use [`Checkout::apply`] to apply it).
    pub fn evaluate_in(&self, checkout: &Checkout<'_>) -> Outcome {
        match self.evaluate_raw(checkout) {
            Ok(per_line) => Outcome::Applied {
                amount: crate::rule::sum_vnd(&per_line),
                per_line: per_line.into_iter().map(Decimal::from).collect(),
            },
            Err(reason) => Outcome::Skipped { reason },
        }
    }

    /// The offer's discount per line in whole VND, or why it does not apply.
    pub(crate) fn evaluate_raw(&self, checkout: &Checkout<'_>) -> Result<Vec<i64>, SkipReason> {
        let cart = checkout.cart;
        let measure = self
            .rules
            .iter()
            .find(|r| r.phase() == Phase::Discount)
            .map_or(Measure::Order, |r| r.measure());
        let mut eval = Evaluation::new(checkout, &self.target, measure);
        for rule in self.rules.iter().filter(|r| r.phase() == Phase::Scope) {
            rule.apply(&mut eval);
        }
        if self.target != Target::Order && !(0..cart.lines.len()).any(|i| eval.is_targeted(i)) {
            eval.skip(SkipReason::NoTarget);
        }
        for rule in self.rules.iter().filter(|r| r.phase() == Phase::Condition) {
            rule.apply(&mut eval);
        }
        if let Some(reason) = eval.skipped {
            return Err(reason);
        }
        for rule in self.rules.iter().filter(|r| r.phase() == Phase::Discount) {
            rule.apply(&mut eval);
        }
        // A discount kind that carries its own condition (a tiered offer below its first
        // threshold, a buy-X-get-Y offer short of one round) says why it gave nothing.
        if let Some(reason) = eval.skipped {
            return Err(reason);
        }
        if eval.total() <= 0 {
            return Err(SkipReason::NothingToDiscount);
        }
        Ok(eval.lines.iter().map(|l| l.discount).collect())
    }
}
