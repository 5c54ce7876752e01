//! Issue 32, item 3 (seed 001: the ranking conversion is fixed after activation; the
//! merchant asks support): `loyalty program set-conversion` changes it and re-ranks every
//! member in batches, each its own transaction; a run stopped part-way (here after one
//! batch, as a crash between batches would leave it) is resumed by running the command
//! again, and the shop's ADMIN reads the change, who made it and its progress in
//! `programChanges`. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
mod support;

use serde_json::{Value, json};
use std::process::Command;
use support::{BIN, Running, TOKEN, database, healthy, ok};

/// Runs `loyalty program set-conversion` over `url`; its exit status, JSON and stderr.
fn set_conversion(url: &str, shop: &str, spend: &str, extra: &[&str]) -> (bool, Value, String) {
    let out = Command::new(BIN)
        .args([
            "program",
            "set-conversion",
            "--shop",
            shop,
            "--spend-per-point",
            spend,
        ])
        .args(extra)
        .env("DATABASE_URL", url)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.success(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const TIERS: &str = "{ members(first: 10) { edges { node { externalId tier { name } } } } }";
const CHANGES: &str = "{ programChanges { setting oldValue newValue changedBy status membersTotal membersDone changedAt finishedAt } }";

fn tiers(v: &Value) -> Vec<String> {
    v["members"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["node"]["externalId"].as_str().unwrap_or_default(),
                e["node"]["tier"]["name"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[tokio::test]
async fn the_operator_changes_the_conversion_in_resumable_batches_and_the_admin_reads_it() {
    let (url, _dir) = database("conversion");
    let port = support::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = support::client();
    let _server = Running(support::start(&url, port, &[]));
    healthy(&client, &base).await;
    let created = ok(
        &client,
        &base,
        TOKEN,
        "mutation { createShop(name: \"A\") { shopId adminKey } }",
        json!({}),
    )
    .await;
    let shop = created["createShop"]["shopId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let admin = created["createShop"]["adminKey"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ok(
        &client,
        &base,
        &admin,
        "mutation { configureProgram(input: {spendPerRankingPoint: \"1000\"}) { status } }",
        json!({}),
    )
    .await;
    // Before activation the merchant sets it; the operator command is for a running program.
    let (done, _, err) = set_conversion(&url, &shop, "3000", &[]);
    assert!(!done && err.contains("not active yet"), "{err}");
    ok(
        &client,
        &base,
        &admin,
        "mutation { activateProgram(mode: INITIAL_TIER) { status } }",
        json!({}),
    )
    .await;
    // Silver is 2,000,000 VND and Gold 5,000,000. At 1,000 VND a point that is 2,000 and
    // 5,000 points; at 3,000 VND, floor(2,000,000 / 3,000) = 666 points, reached from
    // 666 x 3,000 = 1,998,000 VND, and 1,666 points from 4,998,000 VND.
    for (i, spend) in [1_999_000, 4_999_000, 100_000, 100_000, 100_000]
        .iter()
        .enumerate()
    {
        ok(&client, &base, &admin,
            "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
            json!({"i": {"externalId": format!("o{i}"), "memberExternalId": format!("m{i}"), "channel": "POS",
                "lines": [{"productId": "p", "quantity": 1, "unitPrice": spend.to_string()}]}})).await;
    }
    let before = ok(&client, &base, &admin, TIERS, json!({})).await;
    assert_eq!(
        tiers(&before),
        [
            "m0 Member",
            "m1 Silver",
            "m2 Member",
            "m3 Member",
            "m4 Member"
        ]
    );

    // One batch of two, then stop: the first two members are re-ranked, the change waits.
    let (done, first, err) = set_conversion(
        &url,
        &shop,
        "3000",
        &["--batch-size", "2", "--max-batches", "1"],
    );
    assert!(done, "{err}");
    assert_eq!(
        (
            first["status"].clone(),
            first["membersDone"].clone(),
            first["membersTotal"].clone(),
            first["from"].clone()
        ),
        (json!("RUNNING"), json!(2), json!(5), json!("1000"))
    );
    assert!(err.contains("re-ranked 2 of 5 members"), "{err}");
    let half = ok(&client, &base, &admin, TIERS, json!({})).await;
    assert_eq!(
        tiers(&half),
        [
            "m0 Silver",
            "m1 Gold",
            "m2 Member",
            "m3 Member",
            "m4 Member"
        ]
    );
    let changes = ok(&client, &base, &admin, CHANGES, json!({})).await;
    let change = &changes["programChanges"][0];
    assert_eq!(
        (
            &change["setting"],
            &change["oldValue"],
            &change["newValue"],
            &change["changedBy"],
            &change["status"],
            &change["membersDone"]
        ),
        (
            &json!("spendPerRankingPoint"),
            &json!("1000"),
            &json!("3000"),
            &json!("operator"),
            &json!("RUNNING"),
            &json!(2)
        )
    );
    assert!(
        change["changedAt"].is_string() && change["finishedAt"].is_null(),
        "{change}"
    );

    // Another value is refused while this one is unfinished; the same one resumes it.
    let (done, _, err) = set_conversion(&url, &shop, "2000", &[]);
    assert!(
        !done && err.contains("is not finished (2 of 5 members re-ranked)"),
        "{err}"
    );
    let (done, last, err) = set_conversion(&url, &shop, "3000", &["--batch-size", "2"]);
    assert!(done, "{err}");
    assert_eq!(
        (last["status"].clone(), last["membersDone"].clone()),
        (json!("DONE"), json!(5))
    );
    let program = ok(
        &client,
        &base,
        &admin,
        "{ program { spendPerRankingPoint } }",
        json!({}),
    )
    .await;
    assert_eq!(program["program"]["spendPerRankingPoint"], "3000");
    let changes = ok(&client, &base, &admin, CHANGES, json!({})).await;
    assert_eq!(changes["programChanges"][0]["status"], "DONE");
    assert!(changes["programChanges"][0]["finishedAt"].is_string());
    let (done, _, err) = set_conversion(&url, &shop, "3000", &[]);
    assert!(!done && err.contains("already 3000"), "{err}");

    // The merchant still cannot change it; a READ key cannot read the record.
    let refused = support::gql(
        &client,
        &base,
        &admin,
        "mutation { configureProgram(input: {spendPerRankingPoint: \"1000\"}) { status } }",
        json!({}),
    )
    .await;
    assert!(refused.is_err_and(|e| e.contains("fixed once the program is active")));
    let read = ok(
        &client,
        &base,
        &admin,
        "mutation { createApiKey(role: READ) { key } }",
        json!({}),
    )
    .await;
    let read = read["createApiKey"]["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let denied = support::gql(&client, &base, &read, CHANGES, json!({})).await;
    assert!(denied.is_err_and(|e| e.contains("FORBIDDEN")));
}
