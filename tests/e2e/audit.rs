//! The audit trail (issue 33) through HTTP: who changed what, with which key, in which
//! request; the manual ledger entries carry their key; the rows cannot be rewritten.
use loyalty_tests::{OPERATOR_TOKEN, TestApp, spawn_app, str_at};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const LOG: &str = "query($f: AuditLogFilter, $n: Int) { auditLog(filter: $f, first: $n) {
  edges { node { actor keyId action targetIds summary requestId } } pageInfo { hasNextPage } } }";

async fn log(app: &TestApp, admin: &str, filter: Value) -> Vec<Value> {
    let res = app
        .gql(Some(admin), LOG, json!({"f": filter, "n": 100}))
        .await;
    res.data()["auditLog"]["edges"]
        .as_array()
        .map(|e| e.iter().map(|e| e["node"].clone()).collect())
        .unwrap_or_default()
}

async fn key_ids(app: &TestApp, admin: &str) -> Vec<(String, String)> {
    let res = app
        .gql(Some(admin), "{ apiKeys { id role } }", json!({}))
        .await;
    res.data()["apiKeys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .map(|k| (str_at(k, "/role"), str_at(k, "/id")))
                .collect()
        })
        .unwrap_or_default()
}

/// The id of the shop's (first) key of `role`.
async fn key_id(app: &TestApp, admin: &str, role: &str) -> String {
    key_ids(app, admin)
        .await
        .into_iter()
        .find(|(r, _)| r == role)
        .map(|(_, id)| id)
        .unwrap_or_default()
}

/// A shop whose program is active, with a CHANNEL key: its id, its ADMIN key and the
/// CHANNEL key.
async fn audited_shop(app: &TestApp, name: &str) -> (String, String, String) {
    let (shop_id, admin) = app.create_shop(name).await;
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "1000", "rewardRatePercent": "100"}),
        "INITIAL_TIER",
    )
    .await;
    let channel = app.create_key(&admin, "CHANNEL").await;
    (shop_id, admin, channel)
}

#[tokio::test]
async fn every_change_names_its_key_and_the_trail_cannot_be_rewritten() {
    let app = spawn_app().await;
    let (shop_id, admin, channel) = audited_shop(&app, "Audited").await;
    let read = app.create_key(&admin, "READ").await;
    let admin_id = key_id(&app, &admin, "ADMIN").await;
    let channel_id = key_id(&app, &admin, "CHANNEL").await;

    // A channel pushes a customer: the row names the key, not the phone or e-mail.
    let member = app
        .upsert_member(
            &channel,
            json!({"externalId": "c-1", "name": "Trần Thị Bích", "phone": "0912345678", "email": "bich@example.vn"}),
        )
        .await;
    // An admin adjusts by hand, in a request the partner traces.
    let adjust = "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { id } }";
    let body = json!({"query": adjust, "variables": {"i": {"memberId": member, "points": 50000, "reason": "goodwill", "idempotencyKey": "k1"}}});
    let res = app
        .client
        .post(format!("{}/graphql", app.url))
        .bearer_auth(&admin)
        .header("x-request-id", "trace-33")
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("request: {e}"));
    assert!(res.status().is_success());
    // A refused change writes no row: the row is in the change's transaction.
    let refused = app
        .gql(
            Some(&admin),
            adjust,
            json!({"i": {"memberId": member, "points": -999999, "reason": "oops", "idempotencyKey": "k2"}}),
        )
        .await;
    assert_eq!(refused.code(), "INSUFFICIENT_POINTS");
    // A bulk adjustment: its runner's entries carry the key that started it.
    let bulk = "mutation { adjustPointsForMembers(points: 7, reason: \"Tết\", idempotencyKey: \"b1\") { id } }";
    app.gql(Some(&admin), bulk, json!({})).await.data();
    app.run_bulk().await;
    // A READ key changes nothing and reads no trail.
    let denied = app.gql(Some(&read), LOG, json!({})).await;
    assert_eq!(denied.code(), "FORBIDDEN");

    let rows = log(&app, &admin, json!({})).await;
    let actions: Vec<&str> = rows.iter().filter_map(|r| r["action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "adjustPointsForMembers",
            "adjustPoints",
            "upsertMember",
            "createApiKey",
            "createApiKey",
            "activateProgram",
            "configureProgram",
            "createShop"
        ],
        "newest first, one row per change, none for the refused one: {rows:?}"
    );
    let adjusted = &rows[1];
    assert_eq!(adjusted["keyId"], admin_id.as_str());
    assert_eq!(adjusted["actor"], "KEY");
    assert_eq!(adjusted["requestId"], "trace-33");
    assert_eq!(adjusted["targetIds"], json!([member]));
    let summary: Value =
        serde_json::from_str(adjusted["summary"].as_str().unwrap_or("{}")).unwrap_or_default();
    assert_eq!(summary["input"]["points"], 50000);
    let upserted = &rows[2];
    assert_eq!(upserted["keyId"], channel_id.as_str());
    let text = upserted["summary"].as_str().unwrap_or_default();
    for personal in ["0912345678", "bich@example.vn", "Bích", "c-1"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    assert_eq!(rows[7]["actor"], "OPERATOR");
    assert_eq!(rows[7]["keyId"], Value::Null);

    // Filters: by key, by action, by target; and the member's own trail.
    let by_channel = log(&app, &admin, json!({"keyId": channel_id})).await;
    assert_eq!(by_channel.len(), 1);
    let by_action = log(&app, &admin, json!({"action": "createApiKey"})).await;
    assert_eq!(by_action.len(), 2);
    let by_target = log(&app, &admin, json!({"targetId": member})).await;
    assert_eq!(by_target.len(), 2, "{by_target:?}");
    let member_log = app
        .gql(
            Some(&admin),
            "query($id: ID!) { member(id: $id) { auditLog(first: 10) { edges { node { action } } }
              ledger(first: 10) { edges { node { kind points keyId } } } } }",
            json!({"id": member}),
        )
        .await;
    let m = &member_log.data()["member"];
    assert_eq!(m["auditLog"]["edges"][0]["node"]["action"], "adjustPoints");
    let ledger = m["ledger"]["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(ledger.len(), 2, "{ledger:?}");
    for entry in &ledger {
        assert_eq!(entry["node"]["keyId"], admin_id.as_str(), "{entry:?}");
    }

    // The database itself refuses to rewrite the trail.
    let db = &app.ctx.db;
    for sql in [
        "UPDATE audit_log SET action = 'nothing'".to_owned(),
        "DELETE FROM audit_log".to_owned(),
        "UPDATE audit_targets SET target_id = 'x'".to_owned(),
        "DELETE FROM audit_targets".to_owned(),
    ] {
        let err = db
            .execute_unprepared(&sql)
            .await
            .err()
            .unwrap_or_else(|| panic!("{sql} was allowed"));
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(log(&app, &admin, json!({})).await.len(), rows.len());
    let _ = (shop_id, OPERATOR_TOKEN);
}

#[tokio::test]
async fn orders_and_refunds_leave_the_channel_keys_row_once() {
    let app = spawn_app().await;
    let (_, admin, channel) = audited_shop(&app, "Audited orders").await;
    let channel_id = key_id(&app, &admin, "CHANNEL").await;

    let first = app.order(&channel, "o-1", "cust-77", 200_000, 0).await;
    let order_id = str_at(first.data(), "/recordOrder/orderId");
    // A retry changes nothing, and so writes no second row.
    let retry = app.order(&channel, "o-1", "cust-77", 200_000, 0).await;
    assert_eq!(str_at(retry.data(), "/recordOrder/orderId"), order_id);
    // A refused order (an unknown voucher code) writes none either.
    let refused = app
        .gql(
            Some(&channel),
            "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
            json!({"i": {"externalId": "o-2", "memberExternalId": "cust-77", "channel": "POS",
                         "lines": [{"productId": "sku", "quantity": 1, "unitPrice": "100000"}],
                         "voucherCodes": ["NO-SUCH-CODE"]}}),
        )
        .await;
    assert!(!refused.code().is_empty(), "{}", refused.body);
    app.refund(&channel, "o-1", "r-1", 50_000).await.data();

    let member = app
        .gql(
            Some(&admin),
            "{ members(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let member_id = str_at(member.data(), "/members/edges/0/node/id");
    let recorded = log(&app, &admin, json!({"action": "recordOrder"})).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    let row = &recorded[0];
    assert_eq!(row["keyId"], channel_id.as_str());
    let targets: Vec<&str> = row["targetIds"]
        .as_array()
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(
        targets.contains(&order_id.as_str()) && targets.contains(&member_id.as_str()),
        "{row:?}"
    );
    // The customer's channel id is personal data that erasure replaces: not kept.
    let summary = row["summary"].as_str().unwrap_or_default();
    assert!(!summary.contains("cust-77"), "{summary}");
    assert!(summary.contains("o-1"), "{summary}");
    let refunded = log(&app, &admin, json!({"action": "refundOrder"})).await;
    assert_eq!(refunded.len(), 1, "{refunded:?}");
    assert_eq!(refunded[0]["keyId"], channel_id.as_str());
    let by_order = log(&app, &admin, json!({"targetId": order_id})).await;
    assert_eq!(by_order.len(), 2, "the order and its refund: {by_order:?}");
}
