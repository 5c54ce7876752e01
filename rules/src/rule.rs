//! The one trait every rule implements, the state it works on, and the descriptor that
//! registers a rule kind. Conditions and discounts share the trait so an offer is just a
//! list of rule instances built from stored `{kind, args}`, and a new kind is a new
//! module rather than a new branch somewhere.
use crate::allocation::{LineEval, spread};
use crate::args::{ArgSpec, Args};
use crate::cart::Cart;
use crate::earning::{EarnBase, Earned};
use crate::error::RuleError;
use crate::shopper::{Shopper, UNKNOWN};
use crate::target::Target;
use rust_decimal::Decimal;

/// When a rule runs within an offer's evaluation. Rules are stored in any order; the
/// phase puts them in the only order that makes sense (scope before conditions, so a
/// condition counts only lines the offer may touch; conditions before the discount).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Decides whether the customer may have the offer at all (tier, channel, time…),
    /// before any line is looked at; see [`DiscountRule::admits`].
    Eligibility,
    /// Narrows the lines the offer may touch (stacking policy).
    Scope,
    /// Decides whether the offer applies.
    Condition,
    /// Computes the discount.
    Discount,
    /// Adds to the points the order earns, once it is priced; see [`DiscountRule::earn`].
    Earning,
}

/// Which value a minimum-value condition measures. Seed 004 measures it differently by
/// discount kind (percent and once-per-order on the whole order, per-item on the targeted
/// items), so the discount rule declares it and the condition reads it, rather than the
/// condition knowing about discount kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// The value of every line the offer may touch.
    Order,
    /// The value of the targeted lines.
    Targeted,
}

/// A rule instance: a condition, a discount or a scope, built from `{kind, args}` by its
/// [`RuleKind`]. `Send + Sync` so built offers can be cached and shared across requests.
pub trait DiscountRule: Send + Sync + std::fmt::Debug {
    /// The registered kind name, so an instance can be traced back to its configuration.
    fn kind(&self) -> &'static str;
    /// When it runs (see [`Phase`]).
    fn phase(&self) -> Phase;
    /// For discounts: what a minimum-value condition of the same offer measures. Ignored
    /// for conditions and scopes.
    fn measure(&self) -> Measure {
        Measure::Order
    }
    /// Works on the evaluation: narrows lines, records why the offer does not apply, or
    /// adds discount to lines. Infallible: arguments were validated when it was built.
    fn apply(&self, eval: &mut Evaluation<'_>);
    /// For eligibility rules: whether `shopper` may have the offer, or why not.
    fn admits(&self, shopper: &Shopper) -> Result<(), SkipReason> {
        let _ = shopper;
        Ok(())
    }
    /// The saved segments whose membership [`DiscountRule::admits`] reads, so the domain
    /// evaluates those only, once per checkout.
    fn segments(&self) -> &[String] {
        &[]
    }
    /// For earning rules: whether they earn anything for `shopper` now (a multiplier
    /// may hold only at some hours). An offer whose only effect is points is skipped
    /// with this reason rather than applied for nothing.
    fn earns_now(&self, shopper: &Shopper) -> Result<(), SkipReason> {
        let _ = shopper;
        Ok(())
    }
    /// For earning rules: what they add to the order's points, given what the customer
    /// pays for each line and the offer's target.
    fn earn(&self, base: &EarnBase<'_>, target: &Target) -> Earned {
        let _ = (base, target);
        Earned::default()
    }
}

/// A registered rule kind: its name, what it does, its arguments and its constructor.
/// Plain data (`Copy`, `'static`) so the domain's registry can hold, list and look them
/// up without this crate owning a registry or any global state.
#[derive(Clone, Copy)]
pub struct RuleKind {
    /// The name stored in offers.
    pub kind: &'static str,
    /// What it does, for admin UIs listing the kinds.
    pub description: &'static str,
    /// Its arguments, for admin UIs and for refusing unknown ones.
    pub args: &'static [ArgSpec],
    /// Builds an instance, validating the arguments.
    pub build: fn(&Args) -> Result<Box<dyn DiscountRule>, RuleError>,
}

impl RuleKind {
    /// The kind named `name` among `kinds`, the lookup every registry needs.
    pub fn find<'k>(kinds: &'k [RuleKind], name: &str) -> Option<&'k RuleKind> {
        kinds.iter().find(|k| k.kind == name)
    }

    /// Builds a rule instance of the kind named `name` among `kinds`, so callers get one
    /// error type for an unknown kind and for bad arguments.
    pub fn build_from(
        kinds: &[RuleKind],
        name: &str,
        args: &Args,
    ) -> Result<Box<dyn DiscountRule>, RuleError> {
        let kind = Self::find(kinds, name).ok_or_else(|| RuleError::UnknownKind(name.into()))?;
        (kind.build)(args)
    }
}

impl std::fmt::Debug for RuleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleKind")
            .field("kind", &self.kind)
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

/// Why an offer does not apply. Kept as data and worded only when shown, because a
/// checkout evaluates many offers that do not apply and most reasons are never read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// No targeted line in the cart (every product or group offer needs one).
    NoTarget,
    /// Too few targeted units.
    MinQuantity {
        /// Units needed.
        need: u64,
        /// Units in the cart that count.
        have: u64,
    },
    /// Too little value.
    MinValue {
        /// VND needed.
        need: Decimal,
        /// VND in the cart that counts.
        have: Decimal,
        /// Measured on the targeted items (else the whole order), so the wording says
        /// which value fell short.
        targeted: bool,
    },
    /// Every line it could touch is already at zero, so applying it would record a
    /// discount of nothing.
    NothingToDiscount,
    /// A reason worded by a rule kind of its own, so new kinds need no new variant.
    Other(String),
}

impl SkipReason {
    /// The reason in words a cashier can read, naming the offer's target
    /// ("needs 2 of product A, cart has 1").
    pub fn describe(&self, target: &Target) -> String {
        match self {
            SkipReason::NoTarget => format!("needs {} in the cart", target.describe()),
            SkipReason::MinQuantity { need, have } if *target == Target::Order => {
                format!("needs {need} items, cart has {have}")
            }
            SkipReason::MinQuantity { need, have } => {
                format!("needs {need} of {}, cart has {have}", target.describe())
            }
            SkipReason::MinValue {
                need,
                have,
                targeted,
            } => {
                let what = if *targeted && *target != Target::Order {
                    format!("{} value", target.describe())
                } else {
                    "order value".to_owned()
                };
                format!("needs {need} VND of {what}, cart has {have}")
            }
            SkipReason::NothingToDiscount => {
                "nothing left in the cart for this offer to discount".to_owned()
            }
            SkipReason::Other(text) => text.clone(),
        }
    }
}

/// One offer being evaluated on one cart. Amounts inside are whole VND as `i64`, and the
/// per-line state is one vector: a checkout evaluates every offer on every line, and
/// integer arithmetic without per-rule allocations keeps that in microseconds. The
/// public outcome is `Decimal` again.
#[derive(Debug)]
pub struct Evaluation<'a> {
    /// The cart.
    pub cart: &'a Cart,
    /// The offer's target.
    pub target: &'a Target,
    /// Per line state, in cart order.
    pub lines: Vec<LineEval>,
    /// What minimum-value conditions measure.
    pub measure: Measure,
    /// Why the offer does not apply, once a condition failed.
    pub skipped: Option<SkipReason>,
}

impl<'a> Evaluation<'a> {
    /// A fresh evaluation over a checkout's current state.
    pub fn new(checkout: &'a Checkout<'a>, target: &'a Target, measure: Measure) -> Self {
        Self::matching(checkout, target, measure, |i| {
            target.matches(&checkout.cart.lines[i])
        })
    }

    /// As [`Evaluation::new`], with which lines the target matches given by `matches`
    /// (an offer answers it from prints: see [`crate::prints`]).
    pub(crate) fn matching(
        checkout: &'a Checkout<'a>,
        target: &'a Target,
        measure: Measure,
        matches: impl Fn(usize) -> bool,
    ) -> Self {
        let lines = checkout
            .values
            .iter()
            .zip(&checkout.taken)
            .enumerate()
            .map(|(i, (value, taken))| LineEval {
                remaining: value.saturating_sub(*taken).max(0),
                discounted_before: *taken > 0,
                allowed: true,
                matches: matches(i),
                discount: 0,
            })
            .collect();
        Self {
            cart: checkout.cart,
            target,
            lines,
            measure,
            skipped: None,
        }
    }

    pub fn is_targeted(&self, i: usize) -> bool {
        self.lines[i].allowed && self.lines[i].matches
    }

    /// Units of targeted lines.
    pub fn targeted_quantity(&self) -> u64 {
        (0..self.lines.len())
            .filter(|i| self.is_targeted(*i))
            .map(|i| u64::from(self.cart.lines[i].quantity))
            .sum()
    }

    /// Value left of targeted lines, VND.
    pub fn targeted_value(&self) -> i64 {
        (0..self.lines.len())
            .filter(|i| self.is_targeted(*i))
            .map(|i| self.lines[i].remaining)
            .fold(0, i64::saturating_add)
    }

    /// Value left of every line the offer may touch, VND.
    pub fn order_value(&self) -> i64 {
        self.lines
            .iter()
            .filter(|l| l.allowed)
            .map(|l| l.remaining)
            .fold(0, i64::saturating_add)
    }

    /// Spreads `amount` over the lines the offer may touch, in proportion to what is left
    /// of each (see [`spread`]); returns what was placed.
    pub fn spread(&mut self, amount: i64) -> i64 {
        spread(amount, &mut self.lines)
    }

    /// Spreads `amount` over the targeted lines only (those the offer may touch and its
    /// target names), in proportion to what is left of each; returns what was placed.
    pub fn spread_targeted(&mut self, amount: i64) -> i64 {
        crate::allocation::spread_where(amount, &mut self.lines, |l| l.allowed && l.matches)
    }

    /// Records why the offer does not apply; the first reason stands.
    pub fn skip(&mut self, reason: SkipReason) {
        if self.skipped.is_none() {
            self.skipped = Some(reason);
        }
    }

    /// Total discount of this offer so far, VND.
    pub fn total(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.discount)
            .fold(0, i64::saturating_add)
    }
}

/// A checkout in progress: the cart's line values and what offers took from each line
/// so far, so that each next offer sees what is left, and who is checking out.
#[derive(Debug, Clone)]
pub struct Checkout<'a> {
    /// The cart.
    pub cart: &'a Cart,
    /// Who is checking out, where and when, for eligibility rules.
    pub shopper: &'a Shopper,
    /// Per line: quantity times unit price, whole VND.
    pub values: Vec<i64>,
    /// Per line: taken by offers applied so far, VND.
    pub taken: Vec<i64>,
    /// The prints of the lines' ids, made once for every offer the checkout meets.
    pub(crate) prints: std::sync::Arc<crate::prints::LinePrints>,
}

impl<'a> Checkout<'a> {
    /// A checkout of `cart` before any offer, for a shopper of whom nothing is known
    /// (offers with eligibility rules do not apply).
    pub fn new(cart: &'a Cart) -> Self {
        Self::for_shopper(cart, &UNKNOWN)
    }

    /// A checkout of `cart` by `shopper` before any offer.
    pub fn for_shopper(cart: &'a Cart, shopper: &'a Shopper) -> Self {
        let values: Vec<i64> = cart.lines.iter().map(|l| to_vnd(l.value())).collect();
        Self {
            cart,
            shopper,
            taken: vec![0; values.len()],
            values,
            prints: std::sync::Arc::new(crate::prints::LinePrints::of(cart)),
        }
    }

    /// What offers left of each line, VND.
    pub fn left_per_line(&self) -> Vec<i64> {
        self.values
            .iter()
            .zip(&self.taken)
            .map(|(v, t)| v.saturating_sub(*t).max(0))
            .collect()
    }

    /// Evaluates `offer` on what is left and, if it applies, takes its discount from
    /// the lines so the next offer sees the rest.
    pub fn apply(&mut self, offer: &crate::Offer) -> crate::Outcome {
        match offer.evaluate_raw(self) {
            Ok(per_line) => {
                for (t, d) in self.taken.iter_mut().zip(&per_line) {
                    *t = t.saturating_add(*d);
                }
                crate::Outcome::Applied {
                    amount: sum_vnd(&per_line),
                    per_line: per_line.into_iter().map(Decimal::from).collect(),
                }
            }
            Err(reason) => crate::Outcome::Skipped { reason },
        }
    }

    /// Takes a discount computed elsewhere (a tier discount) from the lines.
    pub fn take(&mut self, per_line: &[Decimal]) {
        for (t, d) in self.taken.iter_mut().zip(per_line) {
            *t = t.saturating_add(to_vnd(*d));
        }
    }

    /// What is left to pay on all lines, VND.
    pub fn left(&self) -> Decimal {
        let values: i128 = self.values.iter().map(|v| i128::from(*v)).sum();
        let taken: i128 = self.taken.iter().map(|t| i128::from(*t)).sum();
        Decimal::from(values - taken)
    }
}

/// The sum of per-line amounts as a `Decimal`, added in 128 bits: lines that each fit
/// an `i64` may not fit one together.
pub(crate) fn sum_vnd(per_line: &[i64]) -> Decimal {
    Decimal::from(per_line.iter().map(|d| i128::from(*d)).sum::<i128>())
}

/// Whole VND as an integer, rounded half-up first: evaluation works in `i64` for speed,
/// and a fractional price (which a channel should not send, but might) must round the
/// way every other amount does rather than be cut. Saturates instead of failing, since
/// no real cart comes near `i64::MAX` VND and pricing must not panic on input.
pub fn to_vnd(d: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    let rounded = crate::money::round_vnd(d);
    rounded.to_i64().unwrap_or(if rounded.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::CartLine;
    use crate::target::Target;

    /// Found by the fuzz target (rules/fuzz): lines that each saturate at `i64::MAX` VND
    /// overflowed the sums of a checkout (a panic in debug builds, a wrong total in
    /// release). They now saturate or are added in 128 bits.
    #[test]
    fn huge_lines_do_not_overflow_the_checkout() {
        let line = |price: &str| CartLine {
            product_id: "p".into(),
            group_ids: vec![],
            quantity: 4_000_000_000,
            unit_price: price.parse().unwrap(),
            already_discounted: false,
        };
        let cart = Cart {
            lines: vec![
                line("9000000000000000000000"),
                line("9000000000000000000000"),
            ],
        };
        let mut checkout = Checkout::new(&cart);
        assert_eq!(checkout.values, vec![i64::MAX, i64::MAX]);
        assert_eq!(checkout.left(), Decimal::from(2 * i128::from(i64::MAX)));
        let offer = crate::Offer::from_config(
            Target::Order,
            &[(
                "percent".to_owned(),
                serde_json::json!({"percent": "100"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            )],
            |k| RuleKind::find(&[crate::percent::KIND], k),
        )
        .expect("a valid offer");
        match checkout.apply(&offer) {
            crate::Outcome::Applied { per_line, .. } => {
                assert!(per_line.iter().all(|d| *d >= Decimal::ZERO));
            }
            other => panic!("{other:?}"),
        }
        assert!(checkout.left() >= Decimal::ZERO);
    }
}
