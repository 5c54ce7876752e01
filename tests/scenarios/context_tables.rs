//! The scenario tables of the eligibility and earning kinds of issue 28 (`tier_in.yaml`,
//! `segment.yaml`, `channel_in.yaml`, `time_window.yaml`, `first_order.yaml`,
//! `birthday_month.yaml`, `bonus_points.yaml`, `points_multiplier.yaml` beside this file)
//! run through the pure checkout pipeline exactly as offers are stored: the merchant's
//! description becomes rule configuration, the registry builds the rules, the row's
//! customer becomes the checkout's `Shopper`, the cart is priced and its points counted
//! as quotes and orders count them. Every row's discount, points and skip reason are
//! checked against the hand-computed table, and one insta snapshot per offer shows each
//! row beside its result. `tests/e2e/context_tables.rs` runs the same rows through
//! `quote` over HTTP.
use chrono::NaiveDateTime;
use loyalty_domain::checkout::CleanLine;
use loyalty_domain::checkout::pipeline::{PipelineInput, Source, run};
use loyalty_domain::ledger::earning::points_with_offers;
use loyalty_domain::offers::{DiscountKind, OfferSpec, RuleConfig, TargetKind, default_rules};
use loyalty_domain::program::Program;
use loyalty_domain::tiers::Tier;
use loyalty_domain::vouchers::lookup::VoucherOffer;
use loyalty_rules::points_redemption::PointRate;
use loyalty_rules::{SegmentMembership, Shopper, TierRef};
use loyalty_tests::scenario_tables::{every_row_has_its_arithmetic, read};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_norway::Value;
use std::str::FromStr;
use uuid::Uuid;

const TABLES: [&str; 8] = [
    "tier_in.yaml",
    "segment.yaml",
    "channel_in.yaml",
    "time_window.yaml",
    "first_order.yaml",
    "birthday_month.yaml",
    "bonus_points.yaml",
    "points_multiplier.yaml",
];

/// The shop time of a row without `at`: a Monday morning.
const DEFAULT_AT: &str = "2026-12-07 10:00";

fn int(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("not an integer: {v:?}"))
}

/// The table's offer notation as a merchant's offer description.
fn spec(name: &str, v: &Value) -> OfferSpec {
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
    let dec = |s: &str| Decimal::from_str(s).unwrap_or_else(|e| panic!("{name}: {s}: {e}"));
    let (discount_kind, value) = match (v["percent"].as_str(), v["fixed"].as_str()) {
        (Some(p), None) => (DiscountKind::Percent, dec(p)),
        (None, Some(f)) => (DiscountKind::Fixed, dec(f)),
        _ => (DiscountKind::Percent, Decimal::ZERO),
    };
    let extra_rules = v["rules"]
        .as_sequence()
        .unwrap_or_else(|| panic!("rules of {name}"))
        .iter()
        .map(|r| RuleConfig {
            kind: r["kind"].as_str().unwrap_or_default().to_owned(),
            args: serde_json::to_value(&r["args"])
                .ok()
                .and_then(|a| a.as_object().cloned())
                .unwrap_or_default(),
        })
        .collect();
    OfferSpec {
        name: name.to_owned(),
        description: None,
        image_url: None,
        discount_kind,
        value,
        fixed_per: None,
        target_kind,
        target_ids,
        min_quantity: None,
        min_value: None,
        valid_days: None,
        applies_to_discounted: None,
        extra_rules,
        reach: Default::default(),
        limits: Default::default(),
    }
}

fn lines(catalogue: &Value, v: &Value) -> Vec<CleanLine> {
    v.as_sequence()
        .unwrap_or_else(|| panic!("cart: {v:?}"))
        .iter()
        .map(|line| {
            let id = line[0].as_str().unwrap_or_default();
            let product = &catalogue[id];
            assert!(!product.is_null(), "product {id} is not in the catalogue");
            CleanLine {
                product_id: id.to_owned(),
                group_ids: product["groups"]
                    .as_sequence()
                    .map(|g| {
                        g.iter()
                            .filter_map(|g| g.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                quantity: int(&line[1]),
                unit_price: int(&product["price"]),
                already_discounted: false,
            }
        })
        .collect()
}

/// The tier a row's customer is in: the one it names, else the starting one.
fn tier_name(table: &Value, who: &Value) -> String {
    who["tier"].as_str().map(str::to_owned).unwrap_or_else(|| {
        table["tiers"]
            .as_mapping()
            .and_then(|m| m.iter().find(|(_, min)| min.as_i64() == Some(0)))
            .and_then(|(name, _)| name.as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no starting tier"))
    })
}

/// The row's customer as the checkout sees it; tiers and segments are named by name.
fn shopper(table: &Value, who: &Value) -> Shopper {
    let tier = tier_name(table, who);
    let by_name = |name: &str| TierRef {
        id: name.to_owned(),
        name: name.to_owned(),
    };
    let starting = table["tiers"][tier.as_str()].as_i64() == Some(0);
    let at = who["at"].as_str().unwrap_or(DEFAULT_AT);
    let segments = table["segments"]
        .as_mapping()
        .map(|m| {
            m.iter()
                .map(|(name, filter)| {
                    let name = name.as_str().unwrap_or_default();
                    SegmentMembership {
                        id: name.to_owned(),
                        name: name.to_owned(),
                        member: filter["province"].as_str().is_some()
                            && filter["province"].as_str() == who["province"].as_str(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Shopper {
        tier: Some(by_name(&tier)),
        tiers: table["tiers"]
            .as_mapping()
            .map(|m| m.keys().filter_map(|k| k.as_str()).map(by_name).collect())
            .unwrap_or_default(),
        registered: false,
        channel: Some(who["channel"].as_str().unwrap_or("POS").to_owned()),
        local_time: Some(
            NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M")
                .unwrap_or_else(|e| panic!("at {at}: {e}")),
        ),
        first_order: who["first_order"].as_bool().unwrap_or(starting),
        birth_month: who["birthday"]
            .as_str()
            .and_then(|b| b.get(5..7))
            .and_then(|m| m.parse().ok()),
        segments,
    }
}

#[derive(Serialize)]
struct Row {
    who: serde_json::Value,
    cart: Vec<String>,
    subtotal: i64,
    discount: i64,
    paid: i64,
    points: i64,
    skipped: Option<String>,
}

#[derive(Serialize)]
struct Snapshot {
    offer: String,
    rules: serde_json::Value,
    rows: Vec<Row>,
}

#[test]
fn every_row_of_the_context_tables() {
    let registry = default_rules();
    let program = Program {
        spend_per_ranking_point: Decimal::from(1000),
        reward_rate_percent: Decimal::ONE_HUNDRED,
        ..Program::defaults(Uuid::nil())
    };
    for file in TABLES {
        let (text, table): (String, Value) = read(file);
        every_row_has_its_arithmetic(file, &text);
        let kind = table["kind"].as_str().unwrap_or_default();
        let scenarios = table["scenarios"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{file}: no scenarios"));
        let mut checked = 0;
        for (name, definition) in table["offers"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{file}: no offers"))
        {
            let name = name.as_str().unwrap_or_default().to_owned();
            let config = spec(&name, definition)
                .to_config()
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                config.rules.iter().any(|r| r.kind == kind),
                "{name}: the offer has the table's kind: {config:?}"
            );
            let mut rows = Vec::new();
            for row in scenarios
                .iter()
                .filter(|s| s["offer"].as_str() == Some(name.as_str()))
            {
                let offer = registry
                    .build(&config)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                let voucher = VoucherOffer {
                    code: "V".into(),
                    offer_id: Uuid::nil(),
                    label: name.clone(),
                    offer: offer.into(),
                    reach: Default::default(),
                    limits: Default::default(),
                };
                let who = &row["who"];
                let shopper = shopper(&table, who);
                let tier = Tier::plain(Uuid::nil(), &tier_name(&table, who), 0, true);
                let cart = lines(&table["catalogue"], &row["cart"]);
                let priced = run(&PipelineInput {
                    lines: &cart,
                    tier: Some(&tier),
                    vouchers: std::slice::from_ref(&voucher),
                    redeem_points: 0,
                    point_rate: PointRate::per_thousand(1),
                    shopper: &shopper,
                });
                let points =
                    points_with_offers(priced.paid, priced.earned, &program, tier.point_multiplier);
                let skipped = priced
                    .skipped
                    .iter()
                    .find(|s| matches!(s.source, Source::Voucher { .. }))
                    .map(|s| s.reason.clone());
                let at = format!("{file} {name} for {who:?} on {:?}", row["cart"]);
                assert_eq!(priced.voucher_discount, int(&row["discount"]), "{at}");
                assert_eq!(points, int(&row["points"]), "{at}: points");
                assert_eq!(
                    skipped.as_deref(),
                    row["skipped"].as_str(),
                    "{at}: skip reason"
                );
                assert_eq!(
                    priced
                        .applied
                        .iter()
                        .any(|a| a.source.voucher_code() == Some("V")),
                    skipped.is_none(),
                    "{at}: applied exactly when not skipped"
                );
                checked += 1;
                rows.push(Row {
                    who: serde_json::to_value(who).unwrap_or_default(),
                    cart: cart
                        .iter()
                        .map(|l| format!("{} x{}", l.product_id, l.quantity))
                        .collect(),
                    subtotal: priced.subtotal,
                    discount: priced.voucher_discount,
                    paid: priced.paid,
                    points,
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
