//! The pure engine under load: a 20-line cart against 50 active offers of mixed kinds.
//! Target: under 20 microseconds per quote on the project's 2-core machine.
use criterion::{Criterion, criterion_group, criterion_main};
use loyalty_rules::{BUILT_IN_KINDS, Cart, CartLine, Checkout, Offer, Outcome, RuleKind, Target};
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

fn offers() -> Vec<Offer> {
    let lookup = |k: &str| RuleKind::find(BUILT_IN_KINDS, k);
    (0..50)
        .map(|i| {
            let target = match i % 3 {
                0 => Target::Order,
                1 => Target::Products(vec![format!("p{}", i % 20)]),
                _ => Target::Groups(vec![format!("g{}", i % 5)]),
            };
            let discount = match i % 3 {
                0 => ("percent", json!({"percent": "10"})),
                1 => ("fixed_per_order", json!({"amount": "20000"})),
                _ => ("fixed_per_item", json!({"amount": "5000"})),
            };
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
            .map(|(k, a)| (k.to_owned(), a.as_object().cloned().unwrap_or_default()))
            .collect();
            Offer::from_config(target, &config, lookup).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
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

fn bench(c: &mut Criterion) {
    let cart = cart();
    let offers = offers();
    c.bench_function("quote: 20 lines x 50 offers", |b| {
        b.iter(|| quote(black_box(&cart), black_box(&offers)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
