//! A customer's personal data (issue 33) through HTTP: exported as one document, then
//! erased so that no table holds it any more, while every balance and report reads the
//! same; the old external id then makes a new customer.
use loyalty_tests::{TestApp, spawn_app, str_at};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::{Value, json};

const PHONE: &str = "0987654321";
/// The phone's digits without a prefix: found in the national and the +84 forms alike.
const PHONE_CORE: &str = "987654321";
const EMAIL: &str = "thu.erasure@example.vn";
const NAME: &str = "Lê Thị Thu Erasure";
const FOLDED_NAME: &str = "le thi thu erasure";
const EXTERNAL_ID: &str = "cust-erasure-771";

/// Every report the member's history feeds, as one value to compare.
async fn reports(app: &TestApp, admin: &str, member: &str, offer: &str, campaign: &str) -> Value {
    let res = app
        .gql(
            Some(admin),
            "query($m: ID!, $o: ID!, $c: ID!) {
               member(id: $m) { id totalOrders totalSpent tier { name }
                 points { available pending used expired }
                 ledger(first: 100) { edges { node { kind points } } }
                 orders(first: 100) { edges { node { total paid } } } }
               offer(id: $o) { report { issued used revenue discountGiven } }
               campaign(id: $c) { report { recipients skipped pending sent failed cost } } }",
            json!({"m": member, "o": offer, "c": campaign}),
        )
        .await;
    res.data().clone()
}

/// The tables with a stored value (any column, read as text) containing `needle`.
async fn found_anywhere(app: &TestApp, needle: &str) -> Vec<String> {
    let db = &app.ctx.db;
    let backend = db.get_database_backend();
    let columns: Vec<(String, String)> = match backend {
        DatabaseBackend::Postgres => {
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
                     WHERE table_schema = current_schema()",
                ))
                .await
                .unwrap_or_else(|e| panic!("columns: {e}"));
            rows.iter()
                .map(|r| {
                    (
                        r.try_get::<String>("", "t").unwrap_or_default(),
                        r.try_get::<String>("", "c").unwrap_or_default(),
                    )
                })
                .collect()
        }
        _ => {
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    "SELECT m.name AS t, p.name AS c FROM sqlite_master m \
                     JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
                ))
                .await
                .unwrap_or_else(|e| panic!("columns: {e}"));
            rows.iter()
                .map(|r| {
                    (
                        r.try_get::<String>("", "t").unwrap_or_default(),
                        r.try_get::<String>("", "c").unwrap_or_default(),
                    )
                })
                .collect()
        }
    };
    assert!(columns.len() > 100, "the schema's columns were not read");
    let mut tables: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (table, column) in columns {
        tables.entry(table).or_default().push(column);
    }
    let placeholder = if backend == DatabaseBackend::Sqlite {
        "?"
    } else {
        "$1"
    };
    let mut found = Vec::new();
    // One statement a table: any of its columns, read as text, holding the needle.
    for (table, columns) in tables {
        let any = columns
            .iter()
            .map(|c| format!("LOWER(CAST(\"{c}\" AS TEXT)) LIKE {placeholder}"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = format!("SELECT COUNT(*) AS n FROM \"{table}\" WHERE {any}");
        let pattern = format!("%{}%", needle.to_lowercase());
        let values: Vec<sea_orm::Value> = if backend == DatabaseBackend::Sqlite {
            columns.iter().map(|_| pattern.clone().into()).collect()
        } else {
            vec![pattern.into()]
        };
        let row = db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        let n = row
            .and_then(|r| r.try_get::<i64>("", "n").ok())
            .unwrap_or_default();
        if n > 0 {
            found.push(table);
        }
    }
    found
}

#[tokio::test]
async fn an_erased_customer_leaves_no_personal_data_and_every_report_unchanged() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("Privacy").await;
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "1000", "rewardRatePercent": "100"}),
        "INITIAL_TIER",
    )
    .await;
    let member = app
        .upsert_member(
            &admin,
            json!({"externalId": EXTERNAL_ID, "name": NAME, "phone": PHONE, "email": EMAIL,
                   "birthday": "1991-04-30", "province": "Đà Nẵng", "register": true}),
        )
        .await;
    // Orders, one paid partly with points, one partly refunded.
    app.order(&admin, "o-1", EXTERNAL_ID, 500_000, 0)
        .await
        .data();
    app.order(&admin, "o-2", EXTERNAL_ID, 300_000, 100)
        .await
        .data();
    app.refund(&admin, "o-1", "r-1", 200_000).await.data();
    let adjust = "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { id } }";
    app.gql(
        Some(&admin),
        adjust,
        json!({"i": {"memberId": member, "points": 1234, "reason": "bù", "idempotencyKey": "e1"}}),
    )
    .await
    .data();
    // A voucher, used in an order.
    let offer = app
        .gql(
            Some(&admin),
            "mutation { createOffer(input: {name: \"Giảm 10%\", discountKind: PERCENT, value: \"10\", targetKind: ORDER}) { id } }",
            json!({}),
        )
        .await;
    let offer = str_at(offer.data(), "/createOffer/id");
    let issued = app
        .gql(
            Some(&admin),
            "mutation($o: ID!, $m: [ID!]!) { issueVouchers(offerId: $o, memberIds: $m) { code } }",
            json!({"o": offer, "m": [member]}),
        )
        .await;
    let code = str_at(issued.data(), "/issueVouchers/0/code");
    app.gql(
        Some(&admin),
        "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
        json!({"i": {"externalId": "o-3", "memberExternalId": EXTERNAL_ID, "channel": "WEB",
          "lines": [{"productId": "A", "quantity": 1, "unitPrice": "100000"}], "voucherCodes": [code]}}),
    )
    .await
    .data();
    // A campaign frozen with the member's phone as its address.
    let campaign = app
        .gql(
            Some(&admin),
            "mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }",
            json!({"i": {"name": "Tết", "saved": "REGISTERED", "zns": {"templateId": "231456",
              "params": [{"key": "customer_name", "value": "{{ name }}"}]}}}),
        )
        .await;
    let campaign = str_at(campaign.data(), "/createCampaign/id");
    app.gql(
        Some(&admin),
        "mutation($id: ID!) { sendCampaignNow(id: $id) { status } }",
        json!({"id": campaign}),
    )
    .await
    .data();
    assert!(!found_anywhere(&app, PHONE_CORE).await.is_empty());

    // The customer asks to see their data: one document with all of it.
    let export = "query($m: ID!) { exportMemberData(memberId: $m) }";
    let doc = app.gql(Some(&admin), export, json!({"m": member})).await;
    let doc: Value = serde_json::from_str(doc.data()["exportMemberData"].as_str().unwrap_or(""))
        .unwrap_or_default();
    assert_eq!(doc["profile"]["phone"], PHONE);
    assert_eq!(doc["orders"].as_array().map(Vec::len), Some(3));
    assert_eq!(doc["vouchers"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["deliveries"].as_array().map(Vec::len), Some(1));
    assert!(doc["ledger"].as_array().is_some_and(|l| l.len() >= 4));

    let before = reports(&app, &admin, &member, &offer, &campaign).await;
    let erase =
        "mutation($m: ID!, $r: String!) { eraseMemberPersonalData(memberId: $m, reason: $r) {
      id externalId name phone email } }";
    let erased = app
        .gql(
            Some(&admin),
            erase,
            json!({"m": member, "r": "customer request 2026-11-23"}),
        )
        .await;
    assert_eq!(
        erased.data()["eraseMemberPersonalData"],
        json!({"id": member, "externalId": format!("erased:{member}"), "name": null, "phone": null, "email": null})
    );
    let after = reports(&app, &admin, &member, &offer, &campaign).await;
    assert_eq!(before, after, "balances and reports are unchanged");

    for needle in [PHONE_CORE, EMAIL, NAME, FOLDED_NAME, EXTERNAL_ID, "Đà Nẵng"] {
        let found = found_anywhere(&app, needle).await;
        assert!(found.is_empty(), "{needle} is still in {found:?}");
    }
    // The trail says who erased whom and why, and nothing of what was erased.
    let log = app
        .gql(
            Some(&admin),
            "query($m: ID!) { member(id: $m) { auditLog(first: 1) { edges { node { action summary } } } } }",
            json!({"m": member}),
        )
        .await;
    let row = &log.data()["member"]["auditLog"]["edges"][0]["node"];
    assert_eq!(row["action"], "eraseMemberPersonalData");
    assert!(
        row["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("customer request")
    );

    // The channel pushing the old external id makes a new customer.
    let again = app
        .upsert_member(&admin, json!({"externalId": EXTERNAL_ID}))
        .await;
    assert_ne!(again, member);
    let bad = app
        .gql(Some(&admin), erase, json!({"m": member, "r": ""}))
        .await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");
}
