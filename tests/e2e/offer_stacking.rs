//! The scenario table of offer delivery, limits and stacking
//! (`tests/scenarios/offer_stacking.yaml`) through `quote` over HTTP: each row in a shop
//! of its own with exactly its offers created by `createOffer`, its VOUCHER offers
//! issued to the customer, and the codes of the offers it names presented.
use loyalty_tests::scenario_tables::read;
use loyalty_tests::{TestApp, spawn_app, str_at};
use serde_json::{Value, json};
use std::collections::HashMap;

const CREATE: &str = "mutation($i: OfferInput!) { createOffer(input: $i) { id code } }";
const ISSUE: &str =
    "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }";
const QUOTE: &str = "mutation($i: QuoteInput!) { quote(input: $i) { discounts { source amount } skipped { source reason } } }";

fn table() -> Value {
    read("offer_stacking.yaml").1
}

/// The table's offer notation as the contract's `OfferInput`.
fn offer_input(name: &str, def: &Value) -> Value {
    let (kind, value) = match (def["percent"].as_str(), def["fixed"].as_str()) {
        (Some(p), _) => ("PERCENT", p),
        (None, Some(f)) => ("FIXED", f),
        _ => panic!("{name}: neither percent nor fixed"),
    };
    let (target_kind, ids) = match def["target"]["group"].as_str() {
        Some(g) => ("GROUP", json!([g])),
        None => ("ORDER", json!(null)),
    };
    let mut input = json!({"name": name, "discountKind": kind, "value": value,
        "targetKind": target_kind, "targetIds": ids, "delivery": def["delivery"],
        "code": def["code"], "priority": def["priority"], "exclusive": def["exclusive"],
        "minValue": def["min_value"], "maxDiscount": def["max_discount"]});
    if let Some(d) = def["budget_discount"].as_str() {
        input["budget"] = json!({"discount": d});
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
                "unitPrice": p["price"].as_i64().unwrap_or(0).to_string()})
        })
        .collect()
}

/// A row in its own shop: the quote's applied and skipped offers, by offer name.
async fn run_row(app: &TestApp, table: &Value, i: usize, row: &Value) -> (Value, Value) {
    let (_, admin) = app.create_shop(&format!("S{i}")).await;
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "1000"}),
        "INITIAL_TIER",
    )
    .await;
    let member = app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    // How each offer shows in a quote's `source`, and the code that presents it.
    let (mut name_of, mut code_of) = (HashMap::new(), HashMap::new());
    for name in row["offers"].as_array().cloned().unwrap_or_default() {
        let name = name.as_str().unwrap_or_default().to_owned();
        let def = &table["offers"][&name];
        let created = app
            .gql(Some(&admin), CREATE, json!({"i": offer_input(&name, def)}))
            .await;
        let id = str_at(created.data(), "/createOffer/id");
        let code = match def["delivery"].as_str() {
            Some("VOUCHER") => Some(str_at(
                app.gql(Some(&admin), ISSUE, json!({"o": id, "m": [member]}))
                    .await
                    .data(),
                "/issueVouchers/0/code",
            )),
            Some("PUBLIC_CODE") => Some(str_at(created.data(), "/createOffer/code")),
            _ => None,
        };
        match &code {
            Some(c) => name_of.insert(format!("VOUCHER:{c}"), name.clone()),
            None => name_of.insert(format!("OFFER:{id}"), name.clone()),
        };
        if let Some(c) = code {
            code_of.insert(name, c);
        }
    }
    let codes: Vec<&String> = row["codes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|n| code_of.get(n.as_str().unwrap_or_default()))
        .collect();
    let input = json!({"memberExternalId": "c1", "voucherCodes": codes,
        "lines": lines(&table["catalogue"], &row["cart"])});
    let q = app.gql(Some(&admin), QUOTE, json!({"i": input})).await;
    let named = |list: &Value, field: &str| -> Value {
        list.as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|d| {
                let name = name_of.get(d["source"].as_str()?)?;
                Some(json!([name, d[field]]))
            })
            .collect()
    };
    let q = &q.data()["quote"];
    (
        named(&q["discounts"], "amount"),
        named(&q["skipped"], "reason"),
    )
}

#[tokio::test]
async fn the_stacking_table_through_quote() {
    let app = spawn_app().await;
    let table = table();
    let rows = table["scenarios"].as_array().cloned().unwrap_or_default();
    for (i, row) in rows.iter().enumerate() {
        let (applied, skipped) = run_row(&app, &table, i, row).await;
        let at = format!("row {i} {row}: applied {applied}, skipped {skipped}");
        let expected: Vec<Value> = row["applied"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|a| json!([a[0], a[1].as_i64().unwrap_or(-1).to_string()]))
            .collect();
        assert_eq!(applied, json!(expected), "{at}");
        let want = row["skipped"].as_array().cloned().unwrap_or_default();
        let got = skipped.as_array().cloned().unwrap_or_default();
        assert_eq!(got.len(), want.len(), "{at}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g[0], w[0], "{at}");
            let said = g[1].as_str().unwrap_or_default();
            let says = w[1].as_str().unwrap_or_default();
            assert!(said.contains(says), "{at}: '{said}' lacks '{says}'");
        }
    }
    assert_eq!(rows.len(), 13);
}
