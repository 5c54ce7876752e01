//! The one trait every rule implements, the state it works on, and the descriptor that
//! registers a rule kind.
use crate::args::{ArgSpec, Args};
use crate::cart::Cart;
use crate::error::RuleError;
use crate::target::Target;
use rust_decimal::Decimal;

/// When a rule runs within an offer's evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Narrows the lines the offer may touch (stacking policy).
    Scope,
    /// Decides whether the offer applies.
    Condition,
    /// Computes the discount.
    Discount,
}

/// Which value a minimum-value condition measures (seed 004, decided in the scenarios):
/// percent and once-per-order discounts measure the whole order, per-item discounts the
/// targeted items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The value of every line the offer may touch.
    Order,
    /// The value of the targeted lines.
    Targeted,
}

/// A rule instance: a condition, a discount or a scope, built from `{kind, args}`.
pub trait DiscountRule: Send + Sync + std::fmt::Debug {
    /// The registered kind name.
    fn kind(&self) -> &'static str;
    /// When it runs.
    fn phase(&self) -> Phase;
    /// For discounts: what a minimum-value condition of the same offer measures.
    fn measure(&self) -> Measure {
        Measure::Order
    }
    /// Works on the evaluation: narrows lines, records why the offer does not apply, or
    /// adds discount to lines.
    fn apply(&self, eval: &mut Evaluation<'_>);
}

/// A registered rule kind: its name, what it does, its arguments and its constructor.
#[derive(Clone, Copy)]
pub struct RuleKind {
    /// The name stored in offers.
    pub kind: &'static str,
    /// What it does, for admin UIs.
    pub description: &'static str,
    /// Its arguments.
    pub args: &'static [ArgSpec],
    /// Builds an instance, validating the arguments.
    pub build: fn(&Args) -> Result<Box<dyn DiscountRule>, RuleError>,
}

impl std::fmt::Debug for RuleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleKind")
            .field("kind", &self.kind)
            .finish()
    }
}

/// Why an offer does not apply. Kept as data and worded only when shown, because a
/// checkout evaluates many offers that do not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// No targeted line in the cart.
    NoTarget,
    /// Too few targeted units.
    MinQuantity {
        /// Units needed.
        need: u64,
        /// Units in the cart.
        have: u64,
    },
    /// Too little value.
    MinValue {
        /// VND needed.
        need: Decimal,
        /// VND in the cart.
        have: Decimal,
        /// Measured on the targeted items (else the whole order).
        targeted: bool,
    },
    /// Every line it could touch is already at zero.
    NothingToDiscount,
    /// A reason worded by a rule kind of its own.
    Other(String),
}

impl SkipReason {
    /// The reason in words a cashier can read, naming the offer's target.
    pub fn describe(&self, target: &Target) -> String {
        match self {
            SkipReason::NoTarget => format!("needs {} in the cart", target.describe()),
            SkipReason::MinQuantity { need, have } => {
                format!("needs {need} of {}, cart has {have}", target.describe())
            }
            SkipReason::MinValue {
                need,
                have,
                targeted,
            } => {
                let what = if *targeted {
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

/// One line as an offer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineEval {
    /// Value left after offers applied before this one, VND.
    pub remaining: i64,
    /// An earlier offer of this checkout already discounted it.
    pub discounted_before: bool,
    /// This offer may touch it (the stacking policy may say no).
    pub allowed: bool,
    /// The offer's target names it.
    pub matches: bool,
    /// This offer's discount on it, VND.
    pub discount: i64,
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
        let lines = checkout
            .cart
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| LineEval {
                remaining: (checkout.values[i] - checkout.taken[i]).max(0),
                discounted_before: checkout.taken[i] > 0,
                allowed: true,
                matches: target.matches(line),
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

    /// Whether line `i` counts for the target and may be touched.
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
            .sum()
    }

    /// Value left of every line the offer may touch, VND.
    pub fn order_value(&self) -> i64 {
        self.lines
            .iter()
            .filter(|l| l.allowed)
            .map(|l| l.remaining)
            .sum()
    }

    /// Spreads `amount` over the lines the offer may touch, in proportion to what is left
    /// of each (see [`crate::allocation::spread`]); returns what was placed.
    pub fn spread(&mut self, amount: i64) -> i64 {
        crate::allocation::spread(amount, &mut self.lines)
    }

    /// Records why the offer does not apply; the first reason stands.
    pub fn skip(&mut self, reason: SkipReason) {
        if self.skipped.is_none() {
            self.skipped = Some(reason);
        }
    }

    /// Total discount of this offer so far, VND.
    pub fn total(&self) -> i64 {
        self.lines.iter().map(|l| l.discount).sum()
    }
}

/// A checkout in progress: the cart's line values and what offers took from each line
/// so far, so that each next offer sees what is left.
#[derive(Debug, Clone)]
pub struct Checkout<'a> {
    /// The cart.
    pub cart: &'a Cart,
    /// Per line: quantity times unit price, whole VND.
    pub values: Vec<i64>,
    /// Per line: taken by offers applied so far, VND.
    pub taken: Vec<i64>,
}

impl<'a> Checkout<'a> {
    /// A checkout of `cart` before any offer.
    pub fn new(cart: &'a Cart) -> Self {
        let values: Vec<i64> = cart.lines.iter().map(|l| to_vnd(l.value())).collect();
        Self {
            cart,
            taken: vec![0; values.len()],
            values,
        }
    }

    /// Evaluates `offer` on what is left and, if it applies, takes its discount from
    /// the lines so the next offer sees the rest.
    pub fn apply(&mut self, offer: &crate::Offer) -> crate::Outcome {
        match offer.evaluate_raw(self) {
            Ok(per_line) => {
                for (t, d) in self.taken.iter_mut().zip(&per_line) {
                    *t += d;
                }
                crate::Outcome::Applied {
                    amount: Decimal::from(per_line.iter().sum::<i64>()),
                    per_line: per_line.into_iter().map(Decimal::from).collect(),
                }
            }
            Err(reason) => crate::Outcome::Skipped { reason },
        }
    }

    /// Takes a discount computed elsewhere (a tier discount) from the lines.
    pub fn take(&mut self, per_line: &[Decimal]) {
        for (t, d) in self.taken.iter_mut().zip(per_line) {
            *t += to_vnd(*d);
        }
    }

    /// What is left to pay on all lines, VND.
    pub fn left(&self) -> Decimal {
        Decimal::from(self.values.iter().sum::<i64>() - self.taken.iter().sum::<i64>())
    }
}

/// Whole VND as an integer (fractions are cut; amounts here are whole by construction).
pub fn to_vnd(d: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    d.trunc().to_i64().unwrap_or(i64::MAX)
}
