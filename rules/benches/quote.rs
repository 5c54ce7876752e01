//! The pure engine under load: a 20-line cart against 50 active offers of mixed kinds,
//! the original three discount kinds, then all five (buy-X-get-Y and tiered included),
//! then all five with an eligibility rule each and earning rules on some, priced for a
//! customer they admit, with the applied offers' points worked out; and the choice of
//! which offers apply together (`combination::choose`) over the same 50 offers with
//! priorities and an exclusive one (greedy: more than `SEARCH_LIMIT` apply), and over
//! `SEARCH_LIMIT` competing offers, its worst case (every combination tried).
//! Target: under 20 microseconds per quote on the project's 2-core machine.
use criterion::{Criterion, criterion_group, criterion_main};
use loyalty_rules::combination::{Candidate, SEARCH_LIMIT, choose};
use loyalty_rules::{
    BUILT_IN_KINDS, Cart, CartLine, Checkout, EarnBase, Earned, Offer, Outcome, RuleKind, Shopper,
    Target, TierRef, paid_per_line,
};
use rust_decimal::Decimal;
use serde_json::json;
use std::hint::black_box;

fn cart() -> Cart {
    Cart {
        lines: (0..20)
            .map(|i| CartLine {
                product_id: format!("p{i}"),
                group_ids: vec![format!("g{}", i % 5)],
                quantity: 1 + (i % 3),
                unit_price: Decimal::from(10_000 + 5_000 * i),
                already_discounted: i % 7 == 0,
            })
            .collect(),
    }
}

/// The discount of offer `i` among `kinds` kinds: percent, once per order, per item,
/// then buy-X-get-Y and tiered.
fn discount(i: usize, kinds: usize) -> (&'static str, serde_json::Value) {
    match i % kinds {
        0 => ("percent", json!({"percent": "10"})),
        1 => ("fixed_per_order", json!({"amount": "20000"})),
        2 => ("fixed_per_item", json!({"amount": "5000"})),
        3 => (
            "buy_x_get_y",
            json!({"buy": 2, "get": 1, "percent": "50", "get_groups": [format!("g{}", (i + 1) % 5)]}),
        ),
        _ => (
            "tiered",
            json!({"steps": [{"min": "100000", "percent": "5"}, {"min": "300000", "percent": "10"}]}),
        ),
    }
}

fn offers(kinds: usize) -> Vec<Offer> {
    offers_with(kinds, |_| vec![])
}

/// An eligibility rule for offer `i` that the bench's shopper passes, and an earning
/// rule on every third offer.
fn context_rules(i: usize) -> Vec<(&'static str, serde_json::Value)> {
    let mut rules = vec![match i % 4 {
        0 => ("tier_in", json!({"tiers": ["Gold", "Silver"]})),
        1 => ("channel_in", json!({"channels": ["POS", "WEB"]})),
        2 => (
            "time_window",
            json!({"weekdays": ["MON", "SUN"], "from_time": "08:00", "until_time": "22:00"}),
        ),
        _ => ("birthday_month", json!({})),
    }];
    if i.is_multiple_of(3) {
        rules.push(if i.is_multiple_of(2) {
            ("bonus_points", json!({"points": 50, "per_unit": true}))
        } else {
            (
                "points_multiplier",
                json!({"multiplier": "2", "weekdays": ["MON"]}),
            )
        });
    }
    rules
}

fn shopper() -> Shopper {
    Shopper {
        tier: Some(TierRef {
            id: "t-gold".into(),
            name: "Gold".into(),
        }),
        channel: Some("POS".into()),
        // A Monday.
        local_time: chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(10, 0, 0)),
        birth_month: Some(12),
        ..Shopper::unknown()
    }
}

fn offers_with(
    kinds: usize,
    extra: impl Fn(usize) -> Vec<(&'static str, serde_json::Value)>,
) -> Vec<Offer> {
    let lookup = |k: &str| RuleKind::find(BUILT_IN_KINDS, k);
    (0..50)
        .map(|i| {
            let target = match i % 3 {
                0 => Target::Order,
                1 => Target::Products(vec![format!("p{}", i % 20)]),
                _ => Target::Groups(vec![format!("g{}", i % 5)]),
            };
            let discount = discount(i, kinds);
            let condition = if i % 2 == 0 {
                ("min_quantity", json!({"quantity": 2}))
            } else {
                ("min_value", json!({"amount": "150000"}))
            };
            let config: Vec<(String, serde_json::Map<String, serde_json::Value>)> = [
                discount,
                condition,
                ("stacking", json!({"applies_to_discounted": i % 4 != 0})),
            ]
            .into_iter()
            .chain(extra(i))
            .map(|(k, a)| (k.to_owned(), a.as_object().cloned().unwrap_or_default()))
            .collect();
            Offer::from_config(target, &config, lookup).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// 50 offers, ten of each of the five discount kinds; checks that the new kinds apply
/// on this cart, so the case measures them pricing and not only skipping.
fn offers_with_every_kind() -> Vec<Offer> {
    let offers = offers(5);
    let cart = cart();
    let applied = |kind: usize| {
        offers
            .iter()
            .enumerate()
            .filter(|(i, o)| i % 5 == kind && matches!(o.evaluate(&cart), Outcome::Applied { .. }))
            .count()
    };
    assert!(
        applied(3) > 0 && applied(4) > 0,
        "the new kinds apply somewhere"
    );
    offers
}

/// One quote: every offer evaluated in turn, each after what the earlier ones took.
fn quote(cart: &Cart, offers: &[Offer]) -> Decimal {
    let mut checkout = Checkout::new(cart);
    let mut total = Decimal::ZERO;
    for offer in offers {
        if let Outcome::Applied { amount, .. } = checkout.apply(offer) {
            total += amount;
        }
    }
    total
}

/// One quote for `shopper`, then what the applied offers earn on what is left to pay.
fn quote_with_points(cart: &Cart, offers: &[Offer], shopper: &Shopper) -> (Decimal, Earned) {
    let mut checkout = Checkout::for_shopper(cart, shopper);
    let mut total = Decimal::ZERO;
    let mut applied = Vec::new();
    for offer in offers {
        if let Outcome::Applied { amount, .. } = checkout.apply(offer) {
            total += amount;
            applied.push(offer);
        }
    }
    let left = checkout.left_per_line();
    let paid = paid_per_line(&left, left.iter().sum());
    let base = EarnBase {
        cart,
        paid: &paid,
        shopper,
    };
    let earned = applied
        .iter()
        .fold(Earned::default(), |sum, o| sum.plus(o.earn(&base)));
    (total, earned)
}

fn bench(c: &mut Criterion) {
    let cart = cart();
    let offers = offers(3);
    c.bench_function("quote: 20 lines x 50 offers", |b| {
        b.iter(|| quote(black_box(&cart), black_box(&offers)))
    });
    let mixed = offers_with_every_kind();
    c.bench_function("quote: 20 lines x 50 offers, every kind", |b| {
        b.iter(|| quote(black_box(&cart), black_box(&mixed)))
    });
    let targeted = offers_with(5, context_rules);
    let who = shopper();
    let (_, earned) = quote_with_points(&cart, &targeted, &who);
    assert!(
        earned.bonus_points > 0 && earned.boosted_vnd > Decimal::ZERO,
        "the earning rules apply, so the case measures them"
    );
    c.bench_function(
        "quote: 20 lines x 50 offers, every kind, eligibility and earning",
        |b| b.iter(|| quote_with_points(black_box(&cart), black_box(&targeted), black_box(&who))),
    );
}

/// The offers as candidates of the choice: three priorities, every seventh exclusive.
fn candidates(offers: &[Offer]) -> Vec<Candidate<'_>> {
    offers
        .iter()
        .enumerate()
        .map(|(i, offer)| Candidate {
            offer,
            priority: (i % 3) as i64,
            exclusive: i % 7 == 6,
        })
        .collect()
}

/// `SEARCH_LIMIT` offers of the whole order that all apply and compete (each percent
/// offer takes its share of what the earlier ones left), so no shortcut holds and every
/// combination is tried.
fn competing() -> Vec<Offer> {
    let lookup = |k: &str| RuleKind::find(BUILT_IN_KINDS, k);
    (0..SEARCH_LIMIT)
        .map(|i| {
            let config: Vec<(String, serde_json::Map<String, serde_json::Value>)> =
                [("percent", json!({"percent": (5 + i).to_string()}))]
                    .into_iter()
                    .map(|(k, a)| (k.to_owned(), a.as_object().cloned().unwrap_or_default()))
                    .collect();
            Offer::from_config(Target::Order, &config, lookup).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

fn bench_choice(c: &mut Criterion) {
    let cart = cart();
    let mixed = offers_with_every_kind();
    let all = candidates(&mixed);
    c.bench_function("choose: 20 lines x 50 offers, priorities, exclusive", |b| {
        b.iter(|| {
            let mut checkout = Checkout::new(black_box(&cart));
            choose(&mut checkout, black_box(&all))
        })
    });
    let few = competing();
    let searched = candidates(&few);
    let mut checkout = Checkout::new(&cart);
    let choice = choose(&mut checkout, &searched);
    assert!(
        choice.searched,
        "the offers compete, so every combination is tried: {choice:?}"
    );
    c.bench_function(
        "choose: 20 lines x 8 competing offers, every combination",
        |b| {
            b.iter(|| {
                let mut checkout = Checkout::new(black_box(&cart));
                choose(&mut checkout, black_box(&searched))
            })
        },
    );
}

criterion_group!(benches, bench, bench_choice);
criterion_main!(benches);
