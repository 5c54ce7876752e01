//! The acceptance table of seed 004 (`shared/scenarios/offer-rules.yaml`) run through the
//! pure engine exactly as offers are stored: the merchant's description becomes rule
//! configuration, the registry builds the rules, the cart is priced. One insta snapshot
//! per offer shows each cart beside its breakdown.
use loyalty_domain::offers::{DiscountKind, FixedPer, OfferSpec, TargetKind, default_rules};
use loyalty_rules::{Cart, CartLine, Outcome};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_norway::Value;

const TABLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/scenarios/offer-rules.yaml"
);

/// The catalogue every cart of the table uses: (price, groups).
fn product(id: &str) -> (i64, Vec<String>) {
    match id {
        "A" => (100_000, vec!["G".into()]),
        "B" => (50_000, vec!["G".into()]),
        "C" => (30_000, vec![]),
        other => panic!("product {other} is not in the catalogue"),
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("not an integer: {v:?}"))
}

/// The table's offer notation as a merchant's offer description.
fn spec(name: &str, v: &Value) -> OfferSpec {
    let discount = &v["discount"];
    let (discount_kind, value, fixed_per) = if !discount["percent"].is_null() {
        (DiscountKind::Percent, int(&discount["percent"]), None)
    } else {
        let per = match discount["per"].as_str() {
            Some("item") => FixedPer::Item,
            _ => FixedPer::Order,
        };
        (DiscountKind::Fixed, int(&discount["fixed"]), Some(per))
    };
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
    let condition = &v["condition"];
    OfferSpec {
        name: name.to_owned(),
        description: None,
        image_url: None,
        discount_kind,
        value: Decimal::from(value),
        fixed_per,
        target_kind,
        target_ids,
        min_quantity: condition["min_quantity"].as_i64(),
        min_value: condition["min_value"].as_i64().map(Decimal::from),
        valid_days: None,
        applies_to_discounted: v["applies_to_discounted"].as_bool(),
        extra_rules: vec![],
        reach: Default::default(),
        limits: Default::default(),
    }
}

fn cart(v: &Value) -> Cart {
    let lines = v
        .as_sequence()
        .unwrap_or_else(|| panic!("cart: {v:?}"))
        .iter()
        .map(|line| {
            let id = line[0].as_str().unwrap_or_default();
            let (price, groups) = product(id);
            CartLine {
                product_id: id.to_owned(),
                group_ids: groups,
                quantity: u32::try_from(int(&line[1])).unwrap_or_default(),
                unit_price: Decimal::from(price),
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
    note: Option<String>,
}

#[derive(Serialize)]
struct Snapshot {
    offer: String,
    rules: serde_json::Value,
    rows: Vec<Row>,
}

#[test]
fn every_row_of_the_offer_table() {
    let text = std::fs::read_to_string(TABLE).unwrap_or_else(|e| panic!("{TABLE}: {e}"));
    let table: Value = serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let registry = default_rules();
    let offers = table["offers"]
        .as_mapping()
        .unwrap_or_else(|| panic!("no offers"));
    let scenarios = table["scenarios"]
        .as_sequence()
        .unwrap_or_else(|| panic!("no scenarios"));
    let mut checked = 0;
    for (name, definition) in offers {
        let name = name.as_str().unwrap_or_default().to_owned();
        let config = spec(&name, definition)
            .to_config()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let offer = registry
            .build(&config)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut rows = Vec::new();
        for row in scenarios
            .iter()
            .filter(|s| s["offer"].as_str() == Some(name.as_str()))
        {
            let c = cart(&row["cart"]);
            let expected = Decimal::from(int(&row["discount"]));
            let (got, per_line, skipped) = match offer.evaluate(&c) {
                Outcome::Applied { amount, per_line } => (amount, per_line, None),
                Outcome::Skipped { reason } => {
                    (Decimal::ZERO, vec![], Some(offer.explain(&reason)))
                }
            };
            assert_eq!(got, expected, "offer {name} on {:?}", row["cart"]);
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
                note: row["note"].as_str().map(str::to_owned),
            });
        }
        let snapshot = Snapshot {
            offer: name.clone(),
            rules: serde_json::to_value(&config).unwrap_or_default(),
            rows,
        };
        insta::with_settings!({ info => &serde_json::to_value(definition_json(definition)).unwrap_or_default(), snapshot_suffix => name.clone(), omit_expression => true }, {
            insta::assert_yaml_snapshot!("offer", snapshot);
        });
    }
    assert_eq!(
        checked,
        scenarios.len(),
        "every row belongs to a defined offer"
    );
}

fn definition_json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}
