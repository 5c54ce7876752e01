//! The scenario tables of the eligibility and earning kinds of issue 28
//! (`tests/scenarios/{tier_in,segment,channel_in,time_window,first_order,birthday_month,
//! bonus_points,points_multiplier}.yaml`, also run through the pure pipeline by
//! `tests/scenarios/context_tables.rs`) through HTTP: each offer created with
//! `createOffer`, each row's customer made real (a profile, an earlier order for a
//! higher tier or a later order, segments as saved filters, the server's clock at the
//! row's shop time) and the cart quoted with a voucher of the offer. Then orders: what
//! `recordOrder` credits is what `quote` promised, an ineligible voucher is refused with
//! the reason, and a refund takes the bonus back in proportion.
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use loyalty_tests::scenario_tables::{read, target_input};
use loyalty_tests::{TestApp, spawn_app, start_time, str_at};
use serde_json::{Value, json};

const CREATE_OFFER: &str = "mutation($i: OfferInput!) { createOffer(input: $i) { id } }";
const ISSUE: &str =
    "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }";
const QUOTE: &str = "mutation($i: QuoteInput!) { quote(input: $i) { discounts { source amount } skipped { source reason } discountTotal amountDue pointsToEarn } }";
const RECORD: &str =
    "mutation($i: OrderInput!) { recordOrder(input: $i) { discountTotal paid pointsEarned } }";

/// The shop time of a row without `at` (as the pure run): Monday 2026-12-07 10:00.
const DEFAULT_AT: &str = "2026-12-07 10:00";

/// Shop time in Asia/Ho_Chi_Minh (UTC+7, no daylight saving) as the server's instant.
fn instant(local: &str) -> DateTime<Utc> {
    let t = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M")
        .unwrap_or_else(|e| panic!("{local}: {e}"));
    t.and_utc() - Duration::hours(7)
}

/// The table's offer notation as the contract's `OfferInput`, segments named by id.
fn offer_input(name: &str, def: &Value, segment_ids: &Value) -> Value {
    let (target_kind, ids) = target_input(&def["target"]);
    let (kind, value) = match (def["percent"].as_str(), def["fixed"].as_str()) {
        (None, Some(f)) => ("FIXED", f),
        (Some(p), _) => ("PERCENT", p),
        (None, None) => ("PERCENT", "0"),
    };
    let mut rules = def["rules"].as_array().cloned().unwrap_or_default();
    for r in &mut rules {
        if let Some(names) = r["args"]["segments"].as_array().cloned() {
            r["args"]["segments"] = names
                .iter()
                .map(|n| segment_ids[n.as_str().unwrap_or_default()].clone())
                .collect();
        }
        if r.get("args").is_none() {
            r["args"] = json!({});
        }
    }
    json!({"name": name, "discountKind": kind, "value": value,
        "targetKind": target_kind, "targetIds": ids, "rules": rules})
}

fn lines(catalogue: &Value, cart: &Value) -> Vec<Value> {
    cart.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| {
            let id = l[0].as_str().unwrap_or_default();
            let p = &catalogue[id];
            json!({"productId": id, "groupIds": p["groups"], "quantity": l[1],
                "unitPrice": p["price"].as_i64().unwrap_or(0).to_string()})
        })
        .collect()
}

/// Makes the row's customer real at the start time: its profile, and an earlier order
/// when its tier or `first_order: false` says so. Returns its member id.
async fn customer(app: &TestApp, admin: &str, table: &Value, who: &Value, ext: &str) -> String {
    app.clock.set(start_time());
    let mut profile = json!({"externalId": ext});
    if let Some(p) = who["province"].as_str() {
        profile["province"] = json!(p);
    }
    if let Some(b) = who["birthday"].as_str() {
        profile["birthday"] = json!(b);
    }
    let id = app.upsert_member(admin, profile).await;
    let earlier = match who["tier"].as_str() {
        Some(tier) => table["tiers"][tier].as_i64().unwrap_or(0),
        None => 0,
    };
    let earlier = if earlier == 0 && who["first_order"] == json!(false) {
        10_000
    } else {
        earlier
    };
    if earlier > 0 {
        let res = app
            .order(admin, &format!("earlier-{ext}"), ext, earlier, 0)
            .await;
        res.data();
    }
    if let Some(tier) = who["tier"].as_str() {
        assert_eq!(
            app.tier_of(admin, ext).await.as_deref(),
            Some(tier),
            "{ext}"
        );
    }
    id
}

async fn run_table(app: &TestApp, admin: &str, file: &str) -> usize {
    let table = read::<Value>(file).1;
    let mut segment_ids = json!({});
    for (name, filter) in table["segments"].as_object().cloned().unwrap_or_default() {
        let res = app
            .gql(
                Some(admin),
                "mutation($n: String!, $f: MemberFilter!) { createSegment(name: $n, filter: $f) { id } }",
                json!({"n": name, "f": {"province": filter["province"]}}),
            )
            .await;
        segment_ids[name] = json!(str_at(res.data(), "/createSegment/id"));
    }
    let mut rows = 0;
    for (name, def) in table["offers"].as_object().cloned().unwrap_or_default() {
        let created = app
            .gql(
                Some(admin),
                CREATE_OFFER,
                json!({"i": offer_input(&name, &def, &segment_ids)}),
            )
            .await;
        let offer = str_at(created.data(), "/createOffer/id");
        for row in table["scenarios"].as_array().cloned().unwrap_or_default() {
            if row["offer"] != name.as_str() {
                continue;
            }
            rows += 1;
            let ext = format!(
                "{}-{name}-{rows}",
                table["kind"].as_str().unwrap_or_default()
            );
            let who = &row["who"];
            let member = customer(app, admin, &table, who, &ext).await;
            let code = str_at(
                app.gql(Some(admin), ISSUE, json!({"o": offer, "m": [member]}))
                    .await
                    .data(),
                "/issueVouchers/0/code",
            );
            app.clock
                .set(instant(who["at"].as_str().unwrap_or(DEFAULT_AT)));
            let input = json!({"memberExternalId": ext, "voucherCodes": [code],
                "channel": who["channel"].as_str().unwrap_or("POS"),
                "lines": lines(&table["catalogue"], &row["cart"])});
            let q = app.gql(Some(admin), QUOTE, json!({"i": input})).await;
            let q = &q.data()["quote"];
            let at = format!("{file} {name} for {who} on {}: {q}", row["cart"]);
            let discount = row["discount"].as_i64().unwrap_or(-1).to_string();
            assert_eq!(q["discountTotal"], json!(discount), "{at}");
            assert_eq!(q["pointsToEarn"], row["points"], "{at}: points");
            let source = json!(format!("VOUCHER:{code}"));
            match row["skipped"].as_str() {
                Some(reason) => {
                    assert_eq!(q["skipped"][0]["source"], source, "{at}");
                    assert_eq!(q["skipped"][0]["reason"], json!(reason), "{at}");
                    assert_eq!(q["discounts"], json!([]), "{at}");
                }
                None => assert_eq!(
                    q["discounts"],
                    json!([{"source": source, "amount": discount}]),
                    "{at}"
                ),
            }
        }
    }
    rows
}

#[tokio::test]
async fn the_context_tables_through_quote() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let mut counts = Vec::new();
    for file in [
        "tier_in.yaml",
        "segment.yaml",
        "channel_in.yaml",
        "time_window.yaml",
        "first_order.yaml",
        "birthday_month.yaml",
        "bonus_points.yaml",
        "points_multiplier.yaml",
    ] {
        counts.push(run_table(&app, &admin, file).await);
    }
    assert_eq!(counts, [5, 4, 4, 6, 4, 5, 4, 4]);
}

async fn offer_with_voucher(app: &TestApp, admin: &str, member: &str, input: Value) -> String {
    let created = app
        .gql(Some(admin), CREATE_OFFER, json!({"i": input}))
        .await;
    let offer = str_at(created.data(), "/createOffer/id");
    str_at(
        app.gql(Some(admin), ISSUE, json!({"o": offer, "m": [member]}))
            .await
            .data(),
        "/issueVouchers/0/code",
    )
}

fn order_input(id: &str, codes: &[&str], lines: Value) -> Value {
    json!({"i": {"externalId": id, "memberExternalId": "c1", "channel": "POS",
        "voucherCodes": codes, "lines": lines}})
}

#[tokio::test]
async fn orders_earn_what_quotes_promise_and_refunds_take_the_bonus_back() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let member = app
        .upsert_member(&admin, json!({"externalId": "c1", "province": "Hà Nội"}))
        .await;
    let bonus = offer_with_voucher(
        &app,
        &admin,
        &member,
        json!({"name": "10% and 100 points",
        "discountKind": "PERCENT", "value": "10", "targetKind": "ORDER",
        "rules": [{"kind": "bonus_points", "args": {"points": 100}}]}),
    )
    .await;
    let double = offer_with_voucher(
        &app,
        &admin,
        &member,
        json!({"name": "x2 on A",
        "discountKind": "PERCENT", "value": "0", "targetKind": "PRODUCT", "targetIds": ["A"],
        "rules": [{"kind": "points_multiplier", "args": {"multiplier": "2"}}]}),
    )
    .await;
    app.clock.set(instant(DEFAULT_AT));
    let cart = json!([
        {"productId": "A", "quantity": 2, "unitPrice": "100000"},
        {"productId": "C", "quantity": 1, "unitPrice": "30000"}]);
    // 10 % of 230000 = 23000 off; pays 207000, of which A's share is
    // 207000 x 200000 / 230000 = 180000, earning once more: (207000 + 180000) / 1000 = 387,
    // + 100 bonus = 487.
    let q = app
        .gql(
            Some(&admin),
            QUOTE,
            json!({"i": {"memberExternalId": "c1", "voucherCodes": [bonus, double], "lines": cart}}),
        )
        .await;
    assert_eq!(q.data()["quote"]["pointsToEarn"], 487, "{}", q.body);
    let o = app
        .gql(
            Some(&admin),
            RECORD,
            order_input("o1", &[&bonus, &double], cart.clone()),
        )
        .await;
    assert_eq!(
        o.data()["recordOrder"],
        json!({"discountTotal": "23000", "paid": "207000", "pointsEarned": 487})
    );
    // Half the order refunded: half the points, bonus included, half-up: 243.5 -> 244.
    let r = app.refund(&admin, "o1", "r1", 103_500).await;
    r.data();
    let (available, pending, _, _) = app.points(&admin, "c1").await;
    assert_eq!(available + pending, 487 - 244);
    // The rest refunded: nothing of the bonus is left.
    app.refund(&admin, "o1", "r2", 103_500).await.data();
    let (available, pending, _, _) = app.points(&admin, "c1").await;
    assert_eq!(available + pending, 0);
}

#[tokio::test]
async fn an_order_is_refused_a_voucher_its_customer_may_not_have_and_given_one_it_may() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let member = app
        .upsert_member(&admin, json!({"externalId": "c1", "province": "Hà Nội"}))
        .await;
    let gold = offer_with_voucher(
        &app,
        &admin,
        &member,
        json!({"name": "Gold 10%",
        "discountKind": "PERCENT", "value": "10", "targetKind": "ORDER",
        "rules": [{"kind": "tier_in", "args": {"tiers": ["Gold"]}}]}),
    )
    .await;
    let line = json!([{"productId": "A", "quantity": 1, "unitPrice": "100000"}]);
    let refused = app
        .gql(
            Some(&admin),
            RECORD,
            order_input("o1", &[&gold], line.clone()),
        )
        .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT", "{}", refused.body);
    assert!(
        refused.message().contains("for Gold members"),
        "{}",
        refused.message()
    );
    // A segment offer: membership is read for it (on PostgreSQL on the locked path).
    let res = app
        .gql(
            Some(&admin),
            "mutation { createSegment(name: \"HN\", filter: {province: \"Hà Nội\"}) { id } }",
            json!({}),
        )
        .await;
    let segment = str_at(res.data(), "/createSegment/id");
    let hn = offer_with_voucher(
        &app,
        &admin,
        &member,
        json!({"name": "HN 20000",
        "discountKind": "FIXED", "value": "20000", "targetKind": "ORDER",
        "rules": [{"kind": "segment", "args": {"segments": [segment]}}]}),
    )
    .await;
    let o = app
        .gql(Some(&admin), RECORD, order_input("o2", &[&hn], line))
        .await;
    assert_eq!(
        o.data()["recordOrder"],
        json!({"discountTotal": "20000", "paid": "80000", "pointsEarned": 80})
    );
}

#[tokio::test]
async fn rule_kinds_lists_the_eligibility_and_earning_kinds_with_their_arguments() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let kinds = app
        .gql(
            Some(&admin),
            "{ ruleKinds { kind args { name type required } } }",
            json!({}),
        )
        .await;
    let args_of = |kind: &str| -> Vec<String> {
        kinds.data()["ruleKinds"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|k| k["kind"] == kind)
            .flat_map(|k| k["args"].as_array().cloned().unwrap_or_default())
            .map(|a| {
                format!(
                    "{} {} {}",
                    a["name"].as_str().unwrap_or_default(),
                    a["type"].as_str().unwrap_or_default(),
                    a["required"]
                )
            })
            .collect()
    };
    let window = [
        "from_date DATE false",
        "until_date DATE false",
        "weekdays IDS false",
        "from_time TIME false",
        "until_time TIME false",
    ];
    assert_eq!(args_of("tier_in"), ["tiers IDS true"]);
    assert_eq!(args_of("segment"), ["segments IDS true"]);
    assert_eq!(args_of("channel_in"), ["channels IDS true"]);
    assert_eq!(args_of("time_window"), window);
    assert_eq!(args_of("first_order"), Vec::<String>::new());
    assert_eq!(args_of("birthday_month"), Vec::<String>::new());
    assert_eq!(
        args_of("bonus_points"),
        ["points INTEGER true", "per_unit BOOLEAN false"]
    );
    let mut multiplier = vec!["multiplier DECIMAL true".to_owned()];
    multiplier.extend(window.iter().map(|w| (*w).to_owned()));
    assert_eq!(args_of("points_multiplier"), multiplier);
    let listed = kinds.data()["ruleKinds"].as_array().map_or(0, Vec::len);
    assert!(listed >= 16, "{listed}");

    // Refused when saved, in the rule's own words.
    for (rules, says) in [
        (
            json!([{"kind": "channel_in", "args": {"channels": ["SHOPEE"]}}]),
            "'SHOPEE' is not one of",
        ),
        (
            json!([{"kind": "time_window", "args": {}}]),
            "give at least one of",
        ),
        (
            json!([{"kind": "points_multiplier", "args": {"multiplier": "50"}}]),
            "at most 10",
        ),
        (
            json!([{"kind": "bonus_points", "args": {"points": 0}}]),
            "1 to 1,000,000",
        ),
    ] {
        let res = app
            .gql(
                Some(&admin),
                CREATE_OFFER,
                json!({"i": {"name": "x", "discountKind": "PERCENT", "value": "0",
                    "targetKind": "ORDER", "rules": rules}}),
            )
            .await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{rules}");
        assert!(res.message().contains(says), "{rules}: {}", res.message());
    }
}
