//! Which of a checkout's offers apply together: personal vouchers, public codes and
//! automatic offers compete for the same lines, an exclusive offer does not combine with
//! any other, and the customer gets the combination that takes the most off.
//!
//! Offers are applied in rank order: `priority` (lower first), then product and group
//! offers before order-level ones (seed 004's pipeline order), then as given. The
//! choice rests on one property every rule kind keeps: an offer never takes more after
//! other offers took from the cart than it takes alone. So the sum of the offers'
//! amounts alone bounds every combination, and when applying them all in rank order
//! reaches that sum no search is needed (the common case: offers that do not compete).
//!
//! Otherwise the engine tries every combination of the offers that apply on their own,
//! as long as there are at most [`SEARCH_LIMIT`] of them (`2^8 = 256` combinations,
//! each applied in rank order); beyond that it is greedy by rank: each offer in turn if
//! it still applies, an exclusive one only if it comes first. On a tie the combination
//! holding the better-ranked offers wins, so the result never depends on input order
//! beyond the rank.
use crate::offer::{Offer, Outcome};
use crate::rule::{Checkout, SkipReason};
use crate::target::Target;
use rust_decimal::Decimal;

/// Most offers (among those that apply on their own) whose combinations are all tried;
/// with more the choice is greedy by rank. 256 combinations of up to 8 offers stay
/// within a quote's budget on a 20-line cart (`cargo bench -p loyalty-rules --bench quote`).
pub const SEARCH_LIMIT: usize = 8;

/// One offer competing at checkout.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Its pricing.
    pub offer: &'a Offer,
    /// Lower applies first.
    pub priority: i64,
    /// Does not combine with any other offer.
    pub exclusive: bool,
}

/// An offer the choice applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    /// Its index among the candidates.
    pub index: usize,
    /// What it took, whole VND.
    pub amount: Decimal,
    /// Its share on each line.
    pub per_line: Vec<Decimal>,
}

/// Why an offer was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftOut {
    /// It does not apply to this cart even alone.
    Condition(SkipReason),
    /// An exclusive offer was chosen (its index among the candidates).
    ExcludedBy(usize),
    /// It is exclusive, and the chosen offers together take more off.
    ExclusiveGivesLess,
    /// It is exclusive, and offers ranked before it already apply (greedy choice).
    ExclusiveAfterOthers,
    /// The chosen combination, which takes more off, leaves it nothing or is better
    /// without it.
    Outdone,
}

/// What the choice decided.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Choice {
    /// The offers applied, in the order they applied.
    pub applied: Vec<Chosen>,
    /// Every other candidate, by index, with why.
    pub left_out: Vec<(usize, LeftOut)>,
    /// Whether every combination was tried (else greedy by rank, or no conflict).
    pub searched: bool,
}

/// Candidates' indices in the order they apply.
fn ranked(candidates: &[Candidate<'_>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| {
        (
            candidates[i].priority,
            *candidates[i].offer.target() == Target::Order,
            i,
        )
    });
    order
}

/// Applies `members` (indices, in rank order) to a copy of `start`; the total taken and
/// which of them applied.
fn total_of(start: &Checkout<'_>, candidates: &[Candidate<'_>], members: &[usize]) -> Decimal {
    let mut checkout = start.clone();
    members
        .iter()
        .map(|&i| match checkout.apply(candidates[i].offer) {
            Outcome::Applied { amount, .. } => amount,
            Outcome::Skipped { .. } => Decimal::ZERO,
        })
        .sum()
}

/// Chooses the offers to apply and applies them to `checkout` (see the module's doc).
pub fn choose(checkout: &mut Checkout<'_>, candidates: &[Candidate<'_>]) -> Choice {
    let order = ranked(candidates);
    let mut left_out = Vec::new();
    let mut alone_sum = Decimal::ZERO;
    let mut applicable = Vec::new();
    let mut alone = Vec::new();
    for &i in &order {
        match candidates[i].offer.evaluate_in(checkout) {
            Outcome::Applied { amount, .. } => {
                alone_sum += amount;
                applicable.push(i);
                alone.push(amount);
            }
            Outcome::Skipped { reason } => left_out.push((i, LeftOut::Condition(reason))),
        }
    }
    let any_exclusive = applicable.iter().any(|&i| candidates[i].exclusive);
    let (members, searched) =
        if !any_exclusive && total_of(checkout, candidates, &applicable) == alone_sum {
            (applicable.clone(), false)
        } else if applicable.len() <= SEARCH_LIMIT {
            (best(checkout, candidates, &applicable, &alone), true)
        } else {
            (greedy(candidates, &applicable), false)
        };
    let exclusive_chosen = members.iter().copied().find(|&i| candidates[i].exclusive);
    let mut applied = Vec::new();
    let mut taken = Vec::new();
    for &i in &members {
        match checkout.apply(candidates[i].offer) {
            Outcome::Applied { amount, per_line } => {
                taken.push(i);
                applied.push(Chosen {
                    index: i,
                    amount,
                    per_line,
                });
            }
            Outcome::Skipped { .. } => {}
        }
    }
    for &i in &applicable {
        if taken.contains(&i) {
            continue;
        }
        let why = match exclusive_chosen {
            Some(by) => LeftOut::ExcludedBy(by),
            None if candidates[i].exclusive && searched => LeftOut::ExclusiveGivesLess,
            None if candidates[i].exclusive => LeftOut::ExclusiveAfterOthers,
            None => LeftOut::Outdone,
        };
        left_out.push((i, why));
    }
    // Each candidate's place in the rank, looked up once: searching `order` inside the
    // sort's key made this sort quadratic, the costliest step of a quote weighing 500
    // automatic offers (docs/performance.md).
    let mut place = vec![None; candidates.len()];
    for (at, &i) in order.iter().enumerate() {
        if let Some(p) = place.get_mut(i) {
            *p = Some(at);
        }
    }
    left_out.sort_by_key(|(i, _)| place.get(*i).copied().flatten());
    Choice {
        applied,
        left_out,
        searched,
    }
}

/// The best combination of `applicable` (indices in rank order, at most
/// [`SEARCH_LIMIT`], each taking `alone[k]` on its own): an exclusive offer alone, or any
/// set of non-exclusive ones. A combination takes at most the sum of what its offers take
/// alone, so one whose sum cannot beat the best found so far is not applied at all.
fn best(
    start: &Checkout<'_>,
    candidates: &[Candidate<'_>],
    applicable: &[usize],
    alone: &[Decimal],
) -> Vec<usize> {
    let n = applicable.len();
    let mut best: (Decimal, Vec<usize>) = (Decimal::MIN, Vec::new());
    // Bit `n - 1 - k` stands for the k-th ranked offer, so counting masks down visits
    // combinations holding better-ranked offers first, and a tie keeps the earlier one.
    for mask in (1..(1u32 << n)).rev() {
        let bound: Decimal = (0..n)
            .filter(|k| mask & (1 << (n - 1 - k)) != 0)
            .map(|k| alone[k])
            .sum();
        if bound <= best.0 {
            continue;
        }
        let members: Vec<usize> = (0..n)
            .filter(|k| mask & (1 << (n - 1 - k)) != 0)
            .map(|k| applicable[k])
            .collect();
        if members.len() > 1 && members.iter().any(|&i| candidates[i].exclusive) {
            continue;
        }
        let total = total_of(start, candidates, &members);
        if total > best.0 {
            best = (total, members);
        }
    }
    best.1
}

/// Greedy by rank: an exclusive offer only if it is the first that applies, then every
/// non-exclusive offer in turn.
fn greedy(candidates: &[Candidate<'_>], applicable: &[usize]) -> Vec<usize> {
    match applicable.first() {
        Some(&first) if candidates[first].exclusive => vec![first],
        _ => applicable
            .iter()
            .copied()
            .filter(|&i| !candidates[i].exclusive)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::{Cart, CartLine};
    use crate::{BUILT_IN_KINDS, RuleKind};
    use serde_json::json;

    fn offer(target: Target, rules: serde_json::Value) -> Offer {
        let pairs: Vec<(String, crate::Args)> = rules
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
        Offer::from_config(target, &pairs, |k| RuleKind::find(BUILT_IN_KINDS, k))
            .expect("a valid offer")
    }

    fn percent(p: &str) -> Offer {
        offer(
            Target::Order,
            json!([{"kind": "percent", "args": {"percent": p}}]),
        )
    }

    fn fixed(amount: &str, min_value: Option<&str>) -> Offer {
        let mut rules = vec![json!({"kind": "fixed_per_order", "args": {"amount": amount}})];
        if let Some(m) = min_value {
            rules.push(json!({"kind": "min_value", "args": {"amount": m}}));
        }
        offer(Target::Order, json!(rules))
    }

    fn cart(value: i64) -> Cart {
        Cart {
            lines: vec![CartLine {
                product_id: "A".into(),
                group_ids: vec![],
                quantity: 1,
                unit_price: Decimal::from(value),
                already_discounted: false,
            }],
        }
    }

    fn cand(offer: &Offer, priority: i64, exclusive: bool) -> Candidate<'_> {
        Candidate {
            offer,
            priority,
            exclusive,
        }
    }

    fn amounts(choice: &Choice) -> Vec<(usize, i64)> {
        choice
            .applied
            .iter()
            .map(|c| (c.index, c.amount.try_into().unwrap_or(-1)))
            .collect()
    }

    #[test]
    fn offers_that_do_not_compete_all_apply_in_rank_order_without_a_search() {
        let (three, five) = (fixed("3000", None), fixed("5000", None));
        let cart = cart(100_000);
        let mut checkout = Checkout::new(&cart);
        // 5000 (priority 1) then 3000: each takes what it takes alone, 8000 in all.
        let choice = choose(
            &mut checkout,
            &[cand(&three, 2, false), cand(&five, 1, false)],
        );
        assert_eq!(amounts(&choice), [(1, 5000), (0, 3000)]);
        assert!(!choice.searched);
        assert!(choice.left_out.is_empty());
        assert_eq!(checkout.left(), Decimal::from(92_000));
    }

    #[test]
    fn a_percent_after_a_fixed_offer_still_stacks_when_that_gives_most() {
        let (ten, five) = (percent("10"), fixed("5000", None));
        let cart = cart(100_000);
        let mut checkout = Checkout::new(&cart);
        // 5000 first (priority 1), then 10 % of 95000 = 9500: 14500, more than either
        // alone (10000 or 5000).
        let choice = choose(
            &mut checkout,
            &[cand(&ten, 2, false), cand(&five, 1, false)],
        );
        assert_eq!(amounts(&choice), [(1, 5000), (0, 9500)]);
        assert!(choice.searched);
        assert_eq!(checkout.left(), Decimal::from(85_500));
    }

    #[test]
    fn an_exclusive_offer_wins_alone_when_it_gives_more() {
        let (big, a, b) = (percent("30"), percent("10"), fixed("5000", None));
        let cart = cart(100_000);
        let mut checkout = Checkout::new(&cart);
        // 30000 alone against 10000 + 5000 (or 5000 + 9500): the exclusive one wins.
        let choice = choose(
            &mut checkout,
            &[cand(&a, 0, false), cand(&big, 5, true), cand(&b, 0, false)],
        );
        assert_eq!(amounts(&choice), [(1, 30_000)]);
        assert!(choice.searched);
        assert_eq!(
            choice.left_out,
            [(0, LeftOut::ExcludedBy(1)), (2, LeftOut::ExcludedBy(1))]
        );
    }

    #[test]
    fn an_exclusive_offer_that_gives_less_is_left_out() {
        let (small, a, b) = (percent("10"), percent("10"), fixed("5000", None));
        let cart = cart(100_000);
        let mut checkout = Checkout::new(&cart);
        // Exclusive 10000 against 10000 + 4500 (a then b on 90000).
        let choice = choose(
            &mut checkout,
            &[
                cand(&small, 0, true),
                cand(&a, 1, false),
                cand(&b, 2, false),
            ],
        );
        assert_eq!(amounts(&choice), [(1, 10_000), (2, 5000)]);
        assert_eq!(choice.left_out, [(0, LeftOut::ExclusiveGivesLess)]);
    }

    #[test]
    fn the_search_drops_an_offer_that_spoils_a_bigger_one() {
        // A 10000 fixed offer ranked first would push the order under the 100000
        // minimum of the 30000 one: without it the customer saves more.
        let (spoiler, big) = (fixed("10000", None), fixed("30000", Some("100000")));
        let cart = cart(100_000);
        let mut checkout = Checkout::new(&cart);
        let choice = choose(
            &mut checkout,
            &[cand(&spoiler, 0, false), cand(&big, 1, false)],
        );
        assert_eq!(amounts(&choice), [(1, 30_000)]);
        assert_eq!(choice.left_out, [(0, LeftOut::Outdone)]);
    }

    #[test]
    fn an_offer_that_fails_alone_keeps_its_own_reason() {
        let (big, ok) = (fixed("30000", Some("500000")), percent("10"));
        let cart = cart(100_000);
        let mut checkout = Checkout::new(&cart);
        let choice = choose(&mut checkout, &[cand(&big, 0, false), cand(&ok, 0, false)]);
        assert_eq!(amounts(&choice), [(1, 10_000)]);
        assert!(matches!(
            choice.left_out.as_slice(),
            [(0, LeftOut::Condition(SkipReason::MinValue { .. }))]
        ));
    }

    #[test]
    fn beyond_the_bound_the_choice_is_greedy_by_rank() {
        let offers: Vec<Offer> = (0..=SEARCH_LIMIT).map(|_| fixed("1000", None)).collect();
        let exclusive = percent("50");
        let mut cands: Vec<Candidate<'_>> = offers.iter().map(|o| cand(o, 1, false)).collect();
        cands.push(cand(&exclusive, 2, true));
        let cart = cart(100_000);
        let mut checkout = Checkout::new(&cart);
        // Nine offers apply alone, one more than the search tries: the exclusive 50000
        // ranks last, so greedy keeps the nine 1000 ones.
        let choice = choose(&mut checkout, &cands);
        assert!(!choice.searched);
        assert_eq!(choice.applied.len(), SEARCH_LIMIT + 1);
        assert_eq!(
            choice.left_out,
            [(SEARCH_LIMIT + 1, LeftOut::ExclusiveAfterOthers)]
        );
        assert_eq!(checkout.left(), Decimal::from(91_000));
    }
}
