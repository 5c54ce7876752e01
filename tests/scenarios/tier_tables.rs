//! The scenario table of a tier that does or does not combine with promotions
//! (`tier_combining.yaml` beside this file, issue 32 item 1) run through the pure
//! checkout pipeline: the row's tier as the merchant configures it, the cart's lines
//! with the channel's `already_discounted` flags, and optionally a voucher of an offer
//! built as stored offers are. Every row's tier discount, voucher discount, amount due,
//! points and skipped entries are checked against the hand-computed table, and one insta
//! snapshot per tier shows each row beside its result. `tests/e2e/tier_tables.rs` runs
//! the same rows through `quote` over HTTP.
use loyalty_domain::checkout::CleanLine;
use loyalty_domain::checkout::pipeline::{PipelineInput, run};
use loyalty_domain::ledger::earning::points_with_offers;
use loyalty_domain::offers::{DiscountKind, OfferSpec, TargetKind, default_rules};
use loyalty_domain::program::Program;
use loyalty_domain::tiers::Tier;
use loyalty_domain::vouchers::lookup::VoucherOffer;
use loyalty_rules::Shopper;
use loyalty_rules::points_redemption::PointRate;
use loyalty_tests::scenario_tables::{every_row_has_its_arithmetic, read};
use rust_decimal::Decimal;
use sea_orm::ActiveEnum;
use serde::Serialize;
use serde_norway::Value;
use std::str::FromStr;
use uuid::Uuid;

const FILE: &str = "tier_combining.yaml";

fn int(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("not an integer: {v:?}"))
}

fn dec(v: &Value) -> Decimal {
    let s = v.as_str().unwrap_or_else(|| panic!("not a decimal: {v:?}"));
    Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The table's tier notation as the tier the pipeline prices with.
fn tier(name: &str, v: &Value) -> Tier {
    Tier {
        discount_percent: dec(&v["percent"]),
        discount_cap: v["cap"].as_i64(),
        combines_with_promotions: v["combines"]
            .as_bool()
            .unwrap_or_else(|| panic!("{name}: combines")),
        ..Tier::plain(Uuid::nil(), name, 0, true)
    }
}

/// The table's offer notation (an order target, a fixed or percent discount) as a
/// voucher of the offer the registry builds from the merchant's description.
fn voucher(name: &str, v: &Value) -> VoucherOffer {
    assert_eq!(v["target"].as_str(), Some("order"), "{name}: order target");
    let (discount_kind, value) = match (v["percent"].as_str(), v["fixed"].as_str()) {
        (Some(_), None) => (DiscountKind::Percent, dec(&v["percent"])),
        (None, Some(_)) => (DiscountKind::Fixed, dec(&v["fixed"])),
        _ => panic!("{name}: percent or fixed"),
    };
    let spec = OfferSpec {
        name: name.to_owned(),
        description: None,
        image_url: None,
        discount_kind,
        value,
        fixed_per: None,
        target_kind: TargetKind::Order,
        target_ids: vec![],
        min_quantity: None,
        min_value: None,
        valid_days: None,
        applies_to_discounted: None,
        extra_rules: vec![],
        reach: Default::default(),
        limits: Default::default(),
    };
    let config = spec.to_config().unwrap_or_else(|e| panic!("{name}: {e}"));
    let offer = default_rules()
        .build(&config)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    VoucherOffer {
        code: "V".into(),
        offer_id: Uuid::nil(),
        label: name.to_owned(),
        offer: offer.into(),
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
                already_discounted: line[2].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct Row {
    voucher: Option<String>,
    cart: Vec<String>,
    subtotal: i64,
    tier_discount: i64,
    voucher_discount: i64,
    due: i64,
    points: i64,
    skipped: Vec<String>,
}

#[derive(Serialize)]
struct Snapshot {
    tier: String,
    percent: String,
    cap: Option<i64>,
    combines_with_promotions: bool,
    rows: Vec<Row>,
}

#[test]
fn every_row_of_the_tier_combining_table() {
    let (text, table): (String, Value) = read(FILE);
    every_row_has_its_arithmetic(FILE, &text);
    let program = Program {
        spend_per_ranking_point: Decimal::from(1000),
        reward_rate_percent: Decimal::ONE_HUNDRED,
        ..Program::defaults(Uuid::nil())
    };
    let shopper = Shopper::default();
    let scenarios = table["scenarios"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{FILE}: no scenarios"));
    let mut checked = 0;
    for (name, definition) in table["tiers"]
        .as_mapping()
        .unwrap_or_else(|| panic!("{FILE}: no tiers"))
    {
        let name = name.as_str().unwrap_or_default().to_owned();
        let tier = tier(&name, definition);
        let mut rows = Vec::new();
        for row in scenarios
            .iter()
            .filter(|s| s["tier"].as_str() == Some(name.as_str()))
        {
            let offer = row["voucher"].as_str();
            let vouchers: Vec<VoucherOffer> = offer
                .map(|o| voucher(o, &table["offers"][o]))
                .into_iter()
                .collect();
            let cart = lines(&table["catalogue"], &row["cart"]);
            let priced = run(&PipelineInput {
                lines: &cart,
                tier: Some(&tier),
                vouchers: &vouchers,
                redeem_points: 0,
                point_rate: PointRate::per_thousand(1),
                shopper: &shopper,
            });
            let points =
                points_with_offers(priced.paid, priced.earned, &program, tier.point_multiplier);
            let skipped: Vec<String> = priced
                .skipped
                .iter()
                .map(|s| format!("{}: {}", s.source.kind().to_value(), s.reason))
                .collect();
            let at = format!("{FILE} {name} with {offer:?} on {:?}", row["cart"]);
            assert_eq!(priced.tier_discount, int(&row["tier_discount"]), "{at}");
            assert_eq!(
                priced.voucher_discount,
                int(&row["voucher_discount"]),
                "{at}: voucher"
            );
            assert_eq!(priced.total, int(&row["due"]), "{at}: due");
            assert_eq!(points, int(&row["points"]), "{at}: points");
            let expected: Vec<&str> = row["skipped"]
                .as_sequence()
                .unwrap_or_else(|| panic!("{at}: skipped"))
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(skipped, expected, "{at}: skipped");
            checked += 1;
            rows.push(Row {
                voucher: offer.map(str::to_owned),
                cart: cart
                    .iter()
                    .map(|l| {
                        let flag = if l.already_discounted {
                            " (discounted by the channel)"
                        } else {
                            ""
                        };
                        format!("{} x{}{flag}", l.product_id, l.quantity)
                    })
                    .collect(),
                subtotal: priced.subtotal,
                tier_discount: priced.tier_discount,
                voucher_discount: priced.voucher_discount,
                due: priced.total,
                points,
                skipped,
            });
        }
        let snapshot = Snapshot {
            tier: name.clone(),
            percent: tier.discount_percent.to_string(),
            cap: tier.discount_cap,
            combines_with_promotions: tier.combines_with_promotions,
            rows,
        };
        insta::with_settings!({ snapshot_suffix => format!("tier_combining-{name}"), omit_expression => true }, {
            insta::assert_yaml_snapshot!("tier", snapshot);
        });
    }
    assert_eq!(
        checked,
        scenarios.len(),
        "{FILE}: every row names a defined tier"
    );
}
