//! The scenario tables of the rule kinds `buy_x_get_y` and `tiered`
//! (`tests/scenarios/*.yaml`, also run through the pure engine by
//! `tests/scenarios/rule_tables.rs`) through HTTP: each offer created with `createOffer`
//! (`value: "0"`, the kind in `rules`), each row quoted with the offer's voucher.
use loyalty_tests::scenario_tables::{read, target_input};
use loyalty_tests::{TestApp, spawn_app, str_at};
use serde_json::{Value, json};

const CREATE_OFFER: &str = "mutation($i: OfferInput!) { createOffer(input: $i) { id config } }";
const ISSUE: &str =
    "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }";
const QUOTE: &str = "mutation($i: QuoteInput!) { quote(input: $i) { subtotal discounts { source amount } skipped { source reason } discountTotal } }";

/// The table's offer notation as the contract's `OfferInput`.
fn offer_input(kind: &str, name: &str, def: &Value) -> Value {
    let (target_kind, ids) = target_input(&def["target"]);
    let mut input = json!({"name": name, "discountKind": "PERCENT", "value": "0",
        "targetKind": target_kind, "targetIds": ids,
        "rules": [{"kind": kind, "args": def["args"]}]});
    if let Some(b) = def["applies_to_discounted"].as_bool() {
        input["appliesToDiscounted"] = json!(b);
    }
    input
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
                "unitPrice": p["price"].as_i64().unwrap_or(0).to_string(),
                "alreadyDiscounted": l[2].as_bool().unwrap_or(false)})
        })
        .collect()
}

async fn run_table(app: &TestApp, admin: &str, member: &str, file: &str) -> usize {
    let table = read::<Value>(file).1;
    let kind = table["kind"].as_str().unwrap_or_default();
    let mut rows = 0;
    for (name, def) in table["offers"].as_object().cloned().unwrap_or_default() {
        let created = app
            .gql(
                Some(admin),
                CREATE_OFFER,
                json!({"i": offer_input(kind, &name, &def)}),
            )
            .await;
        let id = str_at(created.data(), "/createOffer/id");
        let stored = &created.data()["createOffer"]["config"]["rules"];
        let kinds: Vec<&str> = stored
            .as_array()
            .map(|r| r.iter().filter_map(|r| r["kind"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            kinds,
            vec!["stacking", kind],
            "{name}: the rule is the only discount"
        );
        let code = str_at(
            app.gql(Some(admin), ISSUE, json!({"o": id, "m": [member]}))
                .await
                .data(),
            "/issueVouchers/0/code",
        );
        for row in table["scenarios"].as_array().cloned().unwrap_or_default() {
            if row["offer"] != name.as_str() {
                continue;
            }
            let input = json!({"memberExternalId": "c1", "voucherCodes": [code],
                "lines": lines(&table["catalogue"], &row["cart"])});
            let q = app.gql(Some(admin), QUOTE, json!({"i": input})).await;
            let q = &q.data()["quote"];
            let expected = row["discount"].as_i64().unwrap_or(-1).to_string();
            let at = format!("{file} {name} {}: {q}", row["cart"]);
            assert_eq!(q["discountTotal"], json!(expected), "{at}");
            match row["skipped"].as_str() {
                Some(reason) => {
                    assert_eq!(
                        q["skipped"][0]["source"],
                        json!(format!("VOUCHER:{code}")),
                        "{at}"
                    );
                    let said = q["skipped"][0]["reason"].as_str().unwrap_or_default();
                    assert!(said.contains(reason), "{at}: {said}");
                }
                None => assert_eq!(
                    q["discounts"][0],
                    json!({"source": format!("VOUCHER:{code}"), "amount": expected}),
                    "{at}"
                ),
            }
            rows += 1;
        }
    }
    rows
}

#[tokio::test]
async fn the_new_rule_tables_through_quote() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let member = app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    assert_eq!(
        run_table(&app, &admin, &member, "buy_x_get_y.yaml").await,
        17
    );
    assert_eq!(run_table(&app, &admin, &member, "tiered.yaml").await, 14);
}

#[tokio::test]
async fn the_new_kinds_are_listed_and_checked_when_offers_are_saved() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let kinds = app
        .gql(
            Some(&admin),
            "{ ruleKinds { kind args { name type required } } }",
            json!({}),
        )
        .await;
    let args_of = |kind: &str| -> Vec<(String, String, bool)> {
        kinds.data()["ruleKinds"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|k| k["kind"] == kind)
            .flat_map(|k| k["args"].as_array().cloned().unwrap_or_default())
            .map(|a| {
                (
                    a["name"].as_str().unwrap_or_default().to_owned(),
                    a["type"].as_str().unwrap_or_default().to_owned(),
                    a["required"].as_bool().unwrap_or(false),
                )
            })
            .collect()
    };
    let owned = |v: &[(&str, &str, bool)]| -> Vec<(String, String, bool)> {
        v.iter()
            .map(|(n, t, r)| ((*n).to_owned(), (*t).to_owned(), *r))
            .collect()
    };
    assert_eq!(
        args_of("buy_x_get_y"),
        owned(&[
            ("buy", "INTEGER", true),
            ("get", "INTEGER", true),
            ("percent", "DECIMAL", true),
            ("times", "INTEGER", false),
            ("get_products", "IDS", false),
            ("get_groups", "IDS", false),
        ])
    );
    assert_eq!(
        args_of("tiered"),
        owned(&[("steps", "STEPS", true), ("by_quantity", "BOOLEAN", false)])
    );

    let bxgy = json!([{"kind": "buy_x_get_y", "args": {"buy": 2, "get": 1, "percent": "100"}}]);
    let input = |value: &str, rules: &Value| {
        json!({"i": {"name": "x", "discountKind": "PERCENT", "value": value,
            "targetKind": "GROUP", "targetIds": ["G"], "rules": rules}})
    };
    for (value, rules, field, says) in [
        (
            "10",
            bxgy.clone(),
            "value",
            "must be 0: the buy_x_get_y rule gives the discount",
        ),
        (
            "0",
            json!([{"kind": "buy_x_get_y", "args": {"buy": 2, "get": 1, "percent": "100.001"}}]),
            "input",
            "at most 2 decimals",
        ),
        (
            "0",
            json!([{"kind": "tiered", "args": {"steps": [{"min": "5", "amount": "2"}, {"min": "4", "amount": "3"}]}}]),
            "input",
            "above the step before",
        ),
        ("0", json!([]), "input", "percent"),
    ] {
        let res = app
            .gql(Some(&admin), CREATE_OFFER, input(value, &rules))
            .await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{rules}");
        assert!(res.message().contains(says), "{rules}: {}", res.message());
        assert_eq!(
            res.body["errors"][0]["extensions"]["field"],
            json!(field),
            "{rules}"
        );
    }
    let offers = app
        .gql(
            Some(&admin),
            "{ offers(first: 10) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        offers.data()["offers"]["edges"],
        json!([]),
        "nothing written"
    );
}
