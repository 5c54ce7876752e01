//! Buy X, get Y: for every `buy` units of the offer's target (A) the customer gets `get`
//! units of the get target (B, by default A itself) at `percent` off (100: free), as
//! many rounds as the cart allows, at most `times`.
//!
//! Decisions:
//! - The discounted units are the cheapest B units, by what is left of each unit after
//!   earlier offers (ties: the earlier cart line), as merchants and customers expect.
//! - A unit counts once, as bought or as got. When A and B overlap, got units are taken
//!   cheapest first as long as enough A units are left to make up the rounds' buy side;
//!   so with "buy 2 get 1" on one group, of 100k, 80k and 60k the 60k one is got.
//! - Rounds are the most the units allow (at most `times`): a round needs `buy` A units
//!   and `get` B units no other round uses.
//! - Money: each line's share is `percent` of the value left of its got units, exact
//!   until rounded half-up once per line (as per-item offers round per line); the
//!   percent has at most 2 decimals so the arithmetic stays exact in integers.
//! - Only lines the offer may touch count and are discounted (the stacking policy).
use crate::args::{self, ArgSpec, ArgType, Args};
use crate::error::RuleError;
use crate::rule::{DiscountRule, Evaluation, Phase, RuleKind, SkipReason};
use crate::target::Target;
use rust_decimal::Decimal;

const NAME: &str = "buy_x_get_y";
/// Most units a `buy`, `get` or `times` may name (as `min_quantity`).
const MAX_UNITS: i64 = 1_000_000;

const ARGS: &[ArgSpec] = &[
    ArgSpec {
        name: "buy",
        ty: ArgType::Integer,
        required: true,
        description: "units of the offer's target bought per round, 1 to 1,000,000",
    },
    ArgSpec {
        name: "get",
        ty: ArgType::Integer,
        required: true,
        description: "units of the get target discounted per round, 1 to 1,000,000",
    },
    ArgSpec {
        name: "percent",
        ty: ArgType::Decimal,
        required: true,
        description: "percent off each got unit (100: free), above 0, at most 100, at most 2 decimals",
    },
    ArgSpec {
        name: "times",
        ty: ArgType::Integer,
        required: false,
        description: "most rounds per order, 1 to 1,000,000; default: as many as the cart allows",
    },
    ArgSpec {
        name: "get_products",
        ty: ArgType::Ids,
        required: false,
        description: "the got units are of these products (default: the offer's target)",
    },
    ArgSpec {
        name: "get_groups",
        ty: ArgType::Ids,
        required: false,
        description: "the got units are of these groups (default: the offer's target)",
    },
];

/// The registration of this kind.
pub const KIND: RuleKind = RuleKind {
    kind: NAME,
    description: "Buy X of the offer's target, get Y of a target (by default the same) at a percent off, cheapest units first, repeatable.",
    args: ARGS,
    build,
};

/// A buy-X-get-Y discount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyXGetY {
    /// Units of the offer's target bought per round.
    pub buy: u64,
    /// Units of the get target discounted per round.
    pub get: u64,
    /// Percent off each got unit, at most 2 decimals.
    pub percent: Decimal,
    /// Most rounds per order; none: as many as the cart allows.
    pub times: Option<u64>,
    /// What the got units are; none: the offer's target.
    pub get_target: Option<Target>,
}

fn units(a: &Args, arg: &'static str, required: bool) -> Result<Option<u64>, RuleError> {
    match args::integer(NAME, a, arg)? {
        None if required => Err(RuleError::Missing { kind: NAME, arg }),
        None => Ok(None),
        Some(n) if (1..=MAX_UNITS).contains(&n) => Ok(Some(n as u64)),
        Some(n) => Err(RuleError::Invalid {
            kind: NAME,
            arg,
            problem: format!("must be between 1 and 1,000,000, got {n}"),
        }),
    }
}

fn build(a: &Args) -> Result<Box<dyn DiscountRule>, RuleError> {
    args::only(NAME, a, ARGS)?;
    let required = |arg| units(a, arg, true)?.ok_or(RuleError::Missing { kind: NAME, arg });
    let (buy, get) = (required("buy")?, required("get")?);
    let percent = args::required_decimal(NAME, a, "percent")?.normalize();
    if percent <= Decimal::ZERO || percent > Decimal::ONE_HUNDRED || percent.scale() > 2 {
        return Err(RuleError::Invalid {
            kind: NAME,
            arg: "percent",
            problem: format!(
                "must be above 0 and at most 100, with at most 2 decimals, got {percent}"
            ),
        });
    }
    let get_target = match (
        args::ids(NAME, a, "get_products")?,
        args::ids(NAME, a, "get_groups")?,
    ) {
        (Some(_), Some(_)) => {
            return Err(RuleError::Offer(format!(
                "{NAME}: give get_products or get_groups, not both"
            )));
        }
        (Some(ids), None) => Some(Target::Products(ids)),
        (None, Some(ids)) => Some(Target::Groups(ids)),
        (None, None) => None,
    };
    Ok(Box::new(BuyXGetY {
        buy,
        get,
        percent,
        times: units(a, "times", false)?,
        get_target,
    }))
}

/// Units on each side of a cart: only A, only B, both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sides {
    /// Units that can only be bought.
    pub buy_only: u64,
    /// Units that can only be got.
    pub get_only: u64,
    /// Units that can be either (A and B overlap).
    pub both: u64,
}

impl BuyXGetY {
    /// Whether `rounds` rounds fit the units: the buy side may take shared units the get
    /// side does not need, and the other way round.
    pub fn fits(&self, s: Sides, rounds: u64) -> bool {
        let (r, n, m) = (
            u128::from(rounds),
            u128::from(self.buy),
            u128::from(self.get),
        );
        let buy_short = (r * n).saturating_sub(u128::from(s.buy_only));
        let get_short = (r * m).saturating_sub(u128::from(s.get_only));
        buy_short + get_short <= u128::from(s.both)
    }

    /// The most rounds the units allow, at most `times`.
    pub fn rounds(&self, s: Sides) -> u64 {
        let most = [
            (s.buy_only + s.both) / self.buy,
            (s.get_only + s.both) / self.get,
            self.times.unwrap_or(u64::MAX),
        ]
        .into_iter()
        .min()
        .unwrap_or(0);
        // Fitting is monotone in the rounds: the largest that fits, by bisection.
        let (mut lo, mut hi) = (0, most);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if self.fits(s, mid) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        lo
    }

    /// Why no round fits, worded for the cashier.
    fn short(&self, s: Sides, a: &Target) -> SkipReason {
        let Some(b) = &self.get_target else {
            return SkipReason::MinQuantity {
                need: self.buy + self.get,
                have: s.both,
            };
        };
        if s.buy_only + s.both < self.buy {
            return SkipReason::MinQuantity {
                need: self.buy,
                have: s.buy_only + s.both,
            };
        }
        let left = s.get_only + s.both - self.buy.saturating_sub(s.buy_only);
        let bought = if *a == Target::Order {
            format!("the {} items bought", self.buy)
        } else {
            format!("the {} of {} bought", self.buy, a.describe())
        };
        SkipReason::Other(format!(
            "needs {} of {} besides {bought}, cart has {left}",
            self.get,
            b.describe()
        ))
    }
}

/// `percent` (at most 2 decimals) of `got` of `units` units worth `value` together,
/// rounded half-up, in exact integer arithmetic.
fn share(value: i64, got: u64, units: u64, percent: Decimal) -> i64 {
    let scale = percent.scale().min(2);
    let hundredths = percent.mantissa() * 10_i128.pow(2 - scale);
    // value * got * hundredths / (units * 10,000), each factor far below 2^64, the
    // product below 2^127 (2^63 * 2^32 * 2^14).
    let num = i128::from(value.max(0)) * i128::from(got) * hundredths;
    let den = i128::from(units) * 10_000;
    if den == 0 {
        return 0;
    }
    let rounded = (2 * num + den) / (2 * den);
    i64::try_from(rounded).unwrap_or(i64::MAX).min(value)
}

impl DiscountRule for BuyXGetY {
    fn kind(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> Phase {
        Phase::Discount
    }
    fn apply(&self, eval: &mut Evaluation<'_>) {
        let n = eval.lines.len();
        let is_a: Vec<bool> = (0..n).map(|i| eval.is_targeted(i)).collect();
        let is_b: Vec<bool> = (0..n)
            .map(|i| match &self.get_target {
                None => is_a[i],
                Some(t) => eval.lines[i].allowed && t.matches(&eval.cart.lines[i]),
            })
            .collect();
        let mut sides = Sides::default();
        for i in 0..n {
            let q = u64::from(eval.cart.lines[i].quantity);
            match (is_a[i], is_b[i]) {
                (true, true) => sides.both += q,
                (true, false) => sides.buy_only += q,
                (false, true) => sides.get_only += q,
                (false, false) => {}
            }
        }
        let rounds = self.rounds(sides);
        if rounds == 0 {
            eval.skip(self.short(sides, eval.target));
            return;
        }
        let mut wanted = rounds * self.get;
        // Shared units the get side may take and still leave the buy side enough.
        let mut shared_left = (sides.both + sides.buy_only)
            .saturating_sub(rounds * self.buy)
            .min(sides.both);
        let mut order: Vec<usize> = (0..n)
            .filter(|i| is_b[*i] && eval.cart.lines[*i].quantity > 0)
            .collect();
        // Cheapest unit first: remaining_i / q_i compared as remaining_i * q_j.
        order.sort_by(|&i, &j| {
            let unit = |k: usize, by: usize| {
                i128::from(eval.lines[k].remaining) * i128::from(eval.cart.lines[by].quantity)
            };
            unit(i, j).cmp(&unit(j, i)).then(i.cmp(&j))
        });
        for i in order {
            if wanted == 0 {
                break;
            }
            let q = u64::from(eval.cart.lines[i].quantity);
            let take = if is_a[i] {
                let t = q.min(wanted).min(shared_left);
                shared_left -= t;
                t
            } else {
                q.min(wanted)
            };
            if take == 0 {
                continue;
            }
            wanted -= take;
            let line = &mut eval.lines[i];
            let room = (line.remaining - line.discount).max(0);
            line.discount += share(line.remaining, take, q, self.percent).min(room);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::{Cart, CartLine};
    use crate::offer::{Offer, Outcome};
    use crate::rule::to_vnd;
    use serde_json::{Value, json};

    fn args(v: Value) -> Args {
        v.as_object().cloned().unwrap_or_default()
    }

    fn line(product: &str, group: &str, quantity: u32, price: i64) -> CartLine {
        CartLine {
            product_id: product.into(),
            group_ids: vec![group.into()],
            quantity,
            unit_price: Decimal::from(price),
            already_discounted: false,
        }
    }

    fn offer(target: Target, a: Value) -> Offer {
        let rule = build(&args(a)).unwrap_or_else(|e| panic!("{e}"));
        Offer::new(target, vec![rule]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn per_line(o: &Offer, lines: Vec<CartLine>) -> Vec<i64> {
        match o.evaluate(&Cart { lines }) {
            Outcome::Applied { per_line, .. } => per_line.into_iter().map(to_vnd).collect(),
            Outcome::Skipped { reason } => panic!("skipped: {}", o.explain(&reason)),
        }
    }

    fn skipped(o: &Offer, lines: Vec<CartLine>) -> String {
        match o.evaluate(&Cart { lines }) {
            Outcome::Skipped { reason } => o.explain(&reason),
            applied => panic!("applied: {applied:?}"),
        }
    }

    #[test]
    fn validates_its_arguments() {
        assert!(build(&args(json!({"buy": 2, "get": 1, "percent": "100"}))).is_ok());
        assert!(
            build(&args(
                json!({"buy": 1, "get": 1, "percent": "12.5", "times": 3, "get_groups": ["G"]})
            ))
            .is_ok()
        );
        for (bad, says) in [
            (json!({"get": 1, "percent": "100"}), "'buy' is required"),
            (json!({"buy": 0, "get": 1, "percent": "100"}), "between 1"),
            (
                json!({"buy": 1, "get": 2_000_000, "percent": "100"}),
                "between 1",
            ),
            (json!({"buy": 1, "get": 1, "percent": "0"}), "above 0"),
            (
                json!({"buy": 1, "get": 1, "percent": "100.5"}),
                "at most 100",
            ),
            (
                json!({"buy": 1, "get": 1, "percent": "33.333"}),
                "2 decimals",
            ),
            (
                json!({"buy": 1, "get": 1, "percent": "50", "times": 0}),
                "between 1",
            ),
            (
                json!({"buy": 1, "get": 1, "percent": "50", "get_products": ["B"], "get_groups": ["G"]}),
                "not both",
            ),
            (
                json!({"buy": 1, "get": 1, "percent": "50", "get_products": []}),
                "1 to 100 ids",
            ),
            (
                json!({"buy": 1, "get": 1, "percent": "50", "free": true}),
                "unknown argument",
            ),
        ] {
            let err = build(&args(bad.clone())).err().map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains(says)),
                "{bad}: {err:?}"
            );
        }
        // "100.00" is 100 with trailing zeros, not 4 decimals.
        assert!(build(&args(json!({"buy": 1, "get": 1, "percent": "100.0000"}))).is_ok());
    }

    #[test]
    fn cheapest_units_of_one_target_are_got_and_each_unit_counts_once() {
        let o = offer(
            Target::Groups(vec!["G".into()]),
            json!({"buy": 2, "get": 1, "percent": "100"}),
        );
        // 100k, 80k, 60k: the 60k one is free.
        assert_eq!(
            per_line(
                &o,
                vec![
                    line("A", "G", 1, 100_000),
                    line("B", "G", 1, 80_000),
                    line("C", "G", 1, 60_000)
                ]
            ),
            vec![0, 0, 60_000]
        );
        // 6 units: 2 rounds, the two cheapest free.
        assert_eq!(
            per_line(
                &o,
                vec![line("A", "G", 4, 100_000), line("C", "G", 2, 60_000)]
            ),
            vec![0, 120_000]
        );
        // 2 units are not a round.
        assert_eq!(
            skipped(&o, vec![line("A", "G", 2, 100_000)]),
            "needs 3 of group G, cart has 2"
        );
    }

    #[test]
    fn a_separate_get_target_rounds_and_times() {
        let o = offer(
            Target::Products(vec!["A".into()]),
            json!({"buy": 2, "get": 1, "percent": "50", "times": 2, "get_products": ["B"]}),
        );
        // 6 A and 5 B: 3 rounds by units, 2 by times: 2 B at half of 30,001 each:
        // 30,001 exactly (2 x 15,000.5), one rounding per line.
        assert_eq!(
            per_line(
                &o,
                vec![line("A", "X", 6, 10_000), line("B", "X", 5, 30_001)]
            ),
            vec![0, 30_001]
        );
        // A B line priced lower than another: the cheaper units go first.
        assert_eq!(
            per_line(
                &o,
                vec![
                    line("A", "X", 2, 10_000),
                    line("B", "X", 1, 40_000),
                    line("B", "X", 1, 20_000)
                ]
            ),
            vec![0, 0, 10_000]
        );
        assert_eq!(
            skipped(&o, vec![line("A", "X", 1, 10_000), line("B", "X", 1, 1)]),
            "needs 2 of product A, cart has 1"
        );
        assert_eq!(
            skipped(&o, vec![line("A", "X", 2, 10_000)]),
            "needs 1 of product B besides the 2 of product A bought, cart has 0"
        );
    }

    #[test]
    fn overlapping_targets_keep_enough_units_to_buy() {
        // Buy 1 of group G, get 1 of product B (in G) free. Two B alone: one is bought,
        // one got. A, B, B: one round only (a second would need a third B to get).
        let o = offer(
            Target::Groups(vec!["G".into()]),
            json!({"buy": 1, "get": 1, "percent": "100", "get_products": ["B"]}),
        );
        assert_eq!(per_line(&o, vec![line("B", "G", 2, 50_000)]), vec![50_000]);
        assert_eq!(
            per_line(
                &o,
                vec![line("A", "G", 1, 100_000), line("B", "G", 2, 50_000)]
            ),
            vec![0, 50_000]
        );
        // 2 A and 2 B: two rounds, both B got.
        assert_eq!(
            per_line(
                &o,
                vec![line("A", "G", 2, 100_000), line("B", "G", 2, 50_000)]
            ),
            vec![0, 100_000]
        );
        // A C in G, cheaper than B, is bought, not got (it is not B).
        assert_eq!(
            per_line(
                &o,
                vec![line("C", "G", 1, 10_000), line("B", "G", 1, 50_000)]
            ),
            vec![0, 50_000]
        );
    }

    #[test]
    fn rounds_are_the_most_that_fit() {
        let o = BuyXGetY {
            buy: 2,
            get: 1,
            percent: Decimal::ONE_HUNDRED,
            times: None,
            get_target: None,
        };
        let s = |buy_only, get_only, both| Sides {
            buy_only,
            get_only,
            both,
        };
        assert_eq!(o.rounds(s(0, 0, 9)), 3);
        assert_eq!(o.rounds(s(0, 0, 8)), 2);
        assert_eq!(o.rounds(s(4, 0, 1)), 1);
        assert_eq!(o.rounds(s(4, 1, 1)), 2);
        assert_eq!(o.rounds(s(100, 1, 0)), 1);
        assert_eq!(o.rounds(s(0, 100, 0)), 0);
        assert_eq!(o.rounds(s(0, 0, 3_000_000_000)), 1_000_000_000);
        let capped = BuyXGetY {
            times: Some(2),
            ..o
        };
        assert_eq!(capped.rounds(s(0, 0, 9)), 2);
    }

    #[test]
    fn shares_round_half_up_exactly() {
        assert_eq!(
            share(10, 1, 3, Decimal::from(75)),
            3,
            "10/3 x 75 % = 2.5 -> 3"
        );
        assert_eq!(share(100_000, 1, 1, Decimal::ONE_HUNDRED), 100_000);
        assert_eq!(share(30_001, 1, 1, Decimal::from(50)), 15_001);
        assert_eq!(share(1, 1, 1, Decimal::new(4999, 2)), 0);
        assert_eq!(
            share(
                i64::MAX,
                u64::from(u32::MAX),
                u64::from(u32::MAX),
                Decimal::ONE_HUNDRED
            ),
            i64::MAX
        );
    }
}
