//! An offer: a target and its rules, evaluated on a cart.
use crate::args::Args;
use crate::cart::Cart;
use crate::earning::{EarnBase, Earned};
use crate::error::RuleError;
use crate::prints::TargetPrints;
use crate::rule::{Checkout, DiscountRule, Evaluation, Measure, Phase, RuleKind, SkipReason};
use crate::shopper::Shopper;
use crate::target::Target;
use rust_decimal::Decimal;

/// What an offer does to a cart. An offer whose only effect is points applies with an
/// amount of 0.
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
    /// The target's ids' prints, made once here for every cart the offer meets.
    prints: TargetPrints,
    rules: Vec<Box<dyn DiscountRule>>,
}

impl Offer {
    /// An offer from rule instances; it needs one discount rule, or none when an earning
    /// rule gives it its effect (bonus points only, say).
    pub fn new(target: Target, mut rules: Vec<Box<dyn DiscountRule>>) -> Result<Self, RuleError> {
        let count = |phase| rules.iter().filter(|r| r.phase() == phase).count();
        let (discounts, earnings) = (count(Phase::Discount), count(Phase::Earning));
        if discounts > 1 || (discounts == 0 && earnings == 0) {
            return Err(RuleError::Offer(format!(
                "an offer needs exactly one discount rule (or, for points only, an earning rule), it has {discounts}"
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
        let prints = TargetPrints::of(&target);
        Ok(Self {
            target,
            prints,
            rules,
        })
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

    /// Whether this customer, here and now, may have the offer, or the first reason
    /// why not: a function of the offer and the checkout's context only, so every way an
    /// offer reaches a checkout (a voucher, or any later delivery) is judged alike.
    pub fn eligible(&self, shopper: &Shopper) -> Result<(), SkipReason> {
        self.rules
            .iter()
            .filter(|r| r.phase() == Phase::Eligibility)
            .try_for_each(|r| r.admits(shopper))
    }

    /// The saved segments the offer's eligibility reads (evaluate these, once per
    /// checkout, into the [`Shopper`]).
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.rules
            .iter()
            .flat_map(|r| r.segments().iter().map(String::as_str))
    }

    /// Whether the offer adds points to the order it applies to.
    pub fn earns(&self) -> bool {
        self.rules.iter().any(|r| r.phase() == Phase::Earning)
    }

    /// What the offer adds to the points of an order it applied to, once priced.
    pub fn earn(&self, base: &EarnBase<'_>) -> Earned {
        self.rules
            .iter()
            .filter(|r| r.phase() == Phase::Earning)
            .fold(Earned::default(), |sum, r| {
                sum.plus(r.earn(base, &self.target))
            })
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
        self.eligible(checkout.shopper)?;
        let mut eval = Evaluation::matching(checkout, &self.target, measure, |i| {
            self.prints.matches(&self.target, cart, &checkout.prints, i)
        });
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
        let earns = self.earns();
        if earns && !self.rules.iter().any(|r| r.phase() == Phase::Discount) {
            // Points only: applied for nothing would use a voucher up for nothing.
            self.rules
                .iter()
                .filter(|r| r.phase() == Phase::Earning)
                .try_for_each(|r| r.earns_now(checkout.shopper))?;
            return Ok(vec![0; eval.lines.len()]);
        }
        for rule in self.rules.iter().filter(|r| r.phase() == Phase::Discount) {
            rule.apply(&mut eval);
        }
        // A discount kind that carries its own condition (a tiered offer below its first
        // threshold, a buy-X-get-Y offer short of one round) says why it gave nothing.
        if let Some(reason) = eval.skipped {
            return Err(reason);
        }
        // An offer that also earns points applies for them when its discount gives
        // nothing on what is left.
        if eval.total() <= 0 && !earns {
            return Err(SkipReason::NothingToDiscount);
        }
        Ok(eval.lines.iter().map(|l| l.discount).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BUILT_IN_KINDS;
    use crate::cart::CartLine;
    use crate::shopper::TierRef;
    use serde_json::json;

    fn offer(target: Target, rules: serde_json::Value) -> Result<Offer, RuleError> {
        let config: Vec<(String, Args)> = rules
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                (
                    r["kind"].as_str().unwrap_or_default().to_owned(),
                    r["args"].as_object().cloned().unwrap_or_default(),
                )
            })
            .collect();
        Offer::from_config(target, &config, |k| RuleKind::find(BUILT_IN_KINDS, k))
    }

    fn cart() -> Cart {
        Cart {
            lines: vec![CartLine {
                product_id: "A".into(),
                group_ids: vec![],
                quantity: 2,
                unit_price: Decimal::from(50_000),
                already_discounted: false,
            }],
        }
    }

    #[test]
    fn eligibility_comes_before_everything_the_cart_says() {
        let gold_only = offer(
            Target::Products(vec!["Z".into()]),
            json!([{"kind": "percent", "args": {"percent": "10"}},
                   {"kind": "tier_in", "args": {"tiers": ["gold"]}}]),
        )
        .expect("valid");
        let cart = cart();
        let guest = Checkout::new(&cart);
        assert_eq!(
            gold_only.evaluate_in(&guest),
            Outcome::Skipped {
                reason: SkipReason::Other("for gold members".into())
            },
            "not 'needs product Z': the customer could never have it"
        );
        let gold = Shopper {
            tier: Some(TierRef {
                id: "t1".into(),
                name: "Gold".into(),
            }),
            ..Shopper::unknown()
        };
        assert_eq!(
            gold_only.evaluate_in(&Checkout::for_shopper(&cart, &gold)),
            Outcome::Skipped {
                reason: SkipReason::NoTarget
            }
        );
    }

    #[test]
    fn an_offer_of_points_only_applies_for_nothing_off() {
        let bonus = offer(
            Target::Order,
            json!([{"kind": "bonus_points", "args": {"points": 100}}]),
        )
        .expect("an earning rule is effect enough");
        let cart = cart();
        assert_eq!(
            bonus.evaluate(&cart),
            Outcome::Applied {
                amount: Decimal::ZERO,
                per_line: vec![Decimal::ZERO]
            }
        );
        let paid = [100_000];
        let base = EarnBase {
            cart: &cart,
            paid: &paid,
            shopper: &Shopper::unknown(),
        };
        assert_eq!(bonus.earn(&base).bonus_points, 100);
        assert!(
            offer(
                Target::Order,
                json!([{"kind": "tier_in", "args": {"tiers": ["g"]}}])
            )
            .is_err(),
            "eligibility alone does nothing"
        );
        let off_hours = offer(
            Target::Order,
            json!([{"kind": "points_multiplier", "args": {"multiplier": "2", "weekdays": ["SUN"]}}]),
        )
        .expect("valid");
        assert_eq!(
            off_hours.evaluate(&cart),
            Outcome::Skipped {
                reason: SkipReason::Other("×2 points needs the time of the sale".into())
            }
        );
    }
}
