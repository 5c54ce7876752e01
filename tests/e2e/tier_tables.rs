//! The scenario table of a tier that does or does not combine with promotions
//! (`tests/scenarios/tier_combining.yaml`, also run through the pure pipeline by
//! `tests/scenarios/tier_tables.rs`) through HTTP: before each row the customer's tier
//! (the initial one, where a new customer starts) is renamed and configured as the row's
//! tier with `updateTier`, and the cart is quoted with the channel's `alreadyDiscounted`
//! flags and, where the row says so, a voucher of the table's offer.
use loyalty_tests::scenario_tables::{read, target_input};
use loyalty_tests::{TestApp, spawn_app, str_at};
use serde_json::{Value, json};

const QUOTE: &str = "mutation($i: QuoteInput!) { quote(input: $i) { discounts { source amount } skipped { source reason } total pointsToEarn } }";

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

/// A voucher for `member` of each of the table's offers, by the offer's name.
async fn vouchers(app: &TestApp, admin: &str, table: &Value, member: &str) -> Value {
    let mut codes = json!({});
    for (name, def) in table["offers"].as_object().cloned().unwrap_or_default() {
        let (target_kind, ids) = target_input(&def["target"]);
        let (kind, value) = match (def["percent"].as_str(), def["fixed"].as_str()) {
            (None, Some(f)) => ("FIXED", f),
            (Some(p), _) => ("PERCENT", p),
            (None, None) => panic!("{name}: percent or fixed"),
        };
        let created = app
            .gql(
                Some(admin),
                "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
                json!({"i": {"name": name, "discountKind": kind, "value": value,
                    "targetKind": target_kind, "targetIds": ids}}),
            )
            .await;
        let offer = str_at(created.data(), "/createOffer/id");
        let issued = app
            .gql(
                Some(admin),
                "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }",
                json!({"o": offer, "m": [member]}),
            )
            .await;
        codes[name] = json!(str_at(issued.data(), "/issueVouchers/0/code"));
    }
    codes
}

#[tokio::test]
async fn the_tier_combining_table_through_quote() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let table = read::<Value>("tier_combining.yaml").1;
    let member = app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    let codes = vouchers(&app, &admin, &table, &member).await;
    let mut rows = 0;
    for row in table["scenarios"].as_array().cloned().unwrap_or_default() {
        rows += 1;
        let name = row["tier"].as_str().unwrap_or_default();
        let t = &table["tiers"][name];
        app.update_tier(
            &admin,
            1,
            json!({"name": name, "discountPercent": t["percent"],
                "discountCap": t["cap"].as_i64().map(|c| c.to_string()),
                "combinesWithPromotions": t["combines"]}),
        )
        .await;
        let voucher = row["voucher"].as_str().map(|v| codes[v].clone());
        let input = json!({"memberExternalId": "c1", "channel": "POS",
            "voucherCodes": voucher.iter().collect::<Vec<_>>(),
            "lines": lines(&table["catalogue"], &row["cart"])});
        let q = app.gql(Some(&admin), QUOTE, json!({"i": input})).await;
        let q = &q.data()["quote"];
        let at = format!("row {rows} ({name} on {}): {q}", row["cart"]);
        let amount = |kind: &str| -> i64 {
            q["discounts"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter(|d| {
                    d["source"].as_str().unwrap_or_default().split(':').next() == Some(kind)
                })
                .map(|d| {
                    d["amount"]
                        .as_str()
                        .unwrap_or("0")
                        .parse::<i64>()
                        .unwrap_or(-1)
                })
                .sum()
        };
        assert_eq!(amount("TIER"), row["tier_discount"], "{at}");
        assert_eq!(amount("VOUCHER"), row["voucher_discount"], "{at}");
        assert_eq!(q["total"], json!(row["due"].to_string()), "{at}");
        assert_eq!(q["pointsToEarn"], row["points"], "{at}");
        let skipped: Vec<String> = q["skipped"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|s| {
                let source = s["source"].as_str().unwrap_or_default();
                let kind = source.split(':').next().unwrap_or_default();
                format!("{kind}: {}", s["reason"].as_str().unwrap_or_default())
            })
            .collect();
        assert_eq!(json!(skipped), row["skipped"], "{at}");
    }
    assert_eq!(rows, 9);
}
