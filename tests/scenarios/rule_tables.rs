//! The scenario tables of the rule kinds added by issue 28 (`buy_x_get_y.yaml`,
//! `tiered.yaml` beside this file) run through the pure engine exactly as offers are
//! stored: the merchant's description (value 0, the kind in `rules`) becomes rule
//! configuration, the registry builds the rules, the cart is priced. Every row's total,
//! per-line shares and skip reason are checked against the hand-computed table, and one
//! insta snapshot per offer shows each cart beside its breakdown. `tests/e2e/rule_tables.rs`
//! runs the same rows through `quote` over HTTP.
use loyalty_domain::offers::{DiscountKind, OfferSpec, RuleConfig, TargetKind, default_rules};
use loyalty_rules::{Cart, CartLine, Outcome};
use loyalty_tests::scenario_tables::{every_row_has_its_arithmetic, read};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_norway::Value;

const TABLES: [&str; 2] = ["buy_x_get_y.yaml", "tiered.yaml"];

fn int(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("not an integer: {v:?}"))
}

/// The table's offer notation as a merchant's offer description.
fn spec(kind: &str, name: &str, v: &Value) -> OfferSpec {
    let target = &v["target"];
    let (target_kind, target_ids) = if target.as_str() == Some("order") {
        (TargetKind::Order, vec![])
    } else if let Some(p) = target["product"].as_str() {
        (TargetKind::Product, vec![p.to_owned()])
    } else if let Some(g) = target["group"].as_str() {
        (TargetKind::Group, vec![g.to_owned()])
    } else {
        panic!("target of {name}: {target:?}")
    };
    let args = serde_json::to_value(&v["args"]).unwrap_or_default();
    OfferSpec {
        name: name.to_owned(),
        description: None,
        image_url: None,
        discount_kind: DiscountKind::Percent,
        value: Decimal::ZERO,
        fixed_per: None,
        target_kind,
        target_ids,
        min_quantity: None,
        min_value: None,
        valid_days: None,
        applies_to_discounted: v["applies_to_discounted"].as_bool(),
        extra_rules: vec![RuleConfig {
            kind: kind.to_owned(),
            args: args.as_object().cloned().unwrap_or_default(),
        }],
        reach: Default::default(),
        limits: Default::default(),
    }
}

fn cart(catalogue: &Value, v: &Value) -> Cart {
    let lines = v
        .as_sequence()
        .unwrap_or_else(|| panic!("cart: {v:?}"))
        .iter()
        .map(|line| {
            let id = line[0].as_str().unwrap_or_default();
            let product = &catalogue[id];
            assert!(!product.is_null(), "product {id} is not in the catalogue");
            CartLine {
                product_id: id.to_owned(),
                group_ids: product["groups"]
                    .as_sequence()
                    .map(|g| {
                        g.iter()
                            .filter_map(|g| g.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                quantity: u32::try_from(int(&line[1])).unwrap_or_default(),
                unit_price: Decimal::from(int(&product["price"])),
                already_discounted: line[2].as_bool().unwrap_or(false),
            }
        })
        .collect();
    Cart { lines }
}

#[derive(Serialize)]
struct Row {
    cart: Vec<String>,
    subtotal: String,
    discount: String,
    per_line: Vec<String>,
    skipped: Option<String>,
}

#[derive(Serialize)]
struct Snapshot {
    offer: String,
    rules: serde_json::Value,
    rows: Vec<Row>,
}

#[test]
fn every_row_of_the_new_rule_tables() {
    let registry = default_rules();
    for file in TABLES {
        let (text, table): (String, Value) = read(file);
        every_row_has_its_arithmetic(file, &text);
        let kind = table["kind"].as_str().unwrap_or_default();
        let catalogue = &table["catalogue"];
        let scenarios = table["scenarios"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{file}: no scenarios"));
        let mut checked = 0;
        for (name, definition) in table["offers"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{file}: no offers"))
        {
            let name = name.as_str().unwrap_or_default().to_owned();
            let config = spec(kind, &name, definition)
                .to_config()
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                config
                    .rules
                    .iter()
                    .all(|r| r.kind == kind || r.kind == "stacking"),
                "{name}: the {kind} rule is the offer's only discount: {config:?}"
            );
            let offer = registry
                .build(&config)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut rows = Vec::new();
            for row in scenarios
                .iter()
                .filter(|s| s["offer"].as_str() == Some(name.as_str()))
            {
                let c = cart(catalogue, &row["cart"]);
                let (got, per_line, skipped) = match offer.evaluate(&c) {
                    Outcome::Applied { amount, per_line } => (amount, per_line, None),
                    Outcome::Skipped { reason } => {
                        (Decimal::ZERO, vec![], Some(offer.explain(&reason)))
                    }
                };
                let at = format!("{file} {name} on {:?}", row["cart"]);
                assert_eq!(got, Decimal::from(int(&row["discount"])), "{at}");
                let expected_lines: Vec<Decimal> = row["per_line"]
                    .as_sequence()
                    .map(|s| s.iter().map(|d| Decimal::from(int(d))).collect())
                    .unwrap_or_default();
                assert_eq!(per_line, expected_lines, "{at}: per line");
                assert_eq!(
                    skipped.as_deref(),
                    row["skipped"].as_str(),
                    "{at}: skip reason"
                );
                checked += 1;
                rows.push(Row {
                    cart: c
                        .lines
                        .iter()
                        .map(|l| {
                            format!(
                                "{} x{}{}",
                                l.product_id,
                                l.quantity,
                                if l.already_discounted {
                                    " (discounted)"
                                } else {
                                    ""
                                }
                            )
                        })
                        .collect(),
                    subtotal: c.subtotal().to_string(),
                    discount: got.to_string(),
                    per_line: per_line.iter().map(ToString::to_string).collect(),
                    skipped,
                });
            }
            let snapshot = Snapshot {
                offer: name.clone(),
                rules: serde_json::to_value(&config).unwrap_or_default(),
                rows,
            };
            let info = serde_json::to_value(definition).unwrap_or_default();
            insta::with_settings!({ info => &info, snapshot_suffix => format!("{kind}-{name}"), omit_expression => true }, {
                insta::assert_yaml_snapshot!("offer", snapshot);
            });
        }
        assert_eq!(
            checked,
            scenarios.len(),
            "{file}: every row belongs to a defined offer"
        );
    }
}
