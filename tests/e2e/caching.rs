//! Each replica caches shops' policies and authenticated keys. Writes check the cached
//! policy against the program's version in their transaction; reads trust it for the
//! replica's window. These tests run two replicas over one database.
use loyalty_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const QUOTE: &str = "mutation($i: QuoteInput!) { quote(input: $i) { discountTotal total pointsToEarn availablePoints } }";

async fn quote(app: &TestApp, key: &str, member: &str) -> Value {
    app.gql(
        Some(key),
        QUOTE,
        json!({"i": {"memberExternalId": member, "lines": [{"productId": "sku", "quantity": 1, "unitPrice": "100000"}]}}),
    )
    .await
    .data()["quote"]
        .clone()
}

#[tokio::test]
async fn a_tier_change_on_one_replica_prices_the_next_order_on_another() {
    let a = spawn_app().await;
    let admin = a.active_shop().await;
    // B trusts its cached policy for reads for a minute.
    let b = a.replica(60_000).await;
    assert_eq!(quote(&b, &admin, "c1").await["discountTotal"], "0");
    b.order(&admin, "o1", "c1", 100_000, 0).await.data();

    a.update_tier(&admin, 1, json!({"discountPercent": "10"}))
        .await;

    // The replica that changed the tier forgets its cached policy at once.
    assert_eq!(quote(&a, &admin, "c1").await["discountTotal"], "10000");
    // B's quote is a read within its window: the policy it cached.
    assert_eq!(quote(&b, &admin, "c1").await["discountTotal"], "0");
    // B's order checks the program's version in its transaction: the new tier applies.
    let o = b.order(&admin, "o2", "c1", 100_000, 0).await;
    assert_eq!(o.data()["recordOrder"]["discountTotal"], "10000");
    assert_eq!(o.data()["recordOrder"]["paid"], "90000");
    // And the order refreshed B's cache for its reads too.
    assert_eq!(quote(&b, &admin, "c1").await["discountTotal"], "10000");
}

#[tokio::test]
async fn a_replica_with_no_read_window_quotes_the_new_tier_at_once() {
    let a = spawn_app().await;
    let admin = a.active_shop().await;
    let b = a.replica(0).await;
    assert_eq!(quote(&b, &admin, "c1").await["discountTotal"], "0");
    a.update_tier(&admin, 1, json!({"discountPercent": "5"}))
        .await;
    assert_eq!(quote(&b, &admin, "c1").await["discountTotal"], "5000");
}

/// The statements of the two hottest operations, counted (not timed): a regression
/// here is a regression of throughput (see docs/performance.md).
#[tokio::test]
async fn a_quote_and_an_order_of_a_known_member_cost_a_few_statements() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    app.order(&admin, "o1", "c1", 100_000, 0).await.data();
    app.advance(chrono::Duration::days(2));
    // A key's use is written once a minute: by this request, not by the measured ones.
    app.gql(Some(&admin), "{ program { status } }", json!({}))
        .await
        .data();

    let (quoted, res) = app
        .statements_for(
            &admin,
            QUOTE,
            json!({"i": {"memberExternalId": "c1", "redeemPoints": 10, "lines": [{"productId": "sku", "quantity": 1, "unitPrice": "100000"}]}}),
        )
        .await;
    assert_eq!(res.data()["quote"]["availablePoints"], 100);

    let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
    let o = app.order(&admin, "o2", "c1", 100_000, 0).await;
    let ordered = app.statements.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert_eq!(o.data()["recordOrder"]["pointsEarned"], 100);

    let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
    let r = app.order(&admin, "o3", "c1", 100_000, 50).await;
    let redeemed = app.statements.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert_eq!(r.data()["recordOrder"]["pointsRedeemed"], 50);

    let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
    app.refund(&admin, "o2", "r1", 50_000).await.data();
    let refunded = app.statements.load(std::sync::atomic::Ordering::SeqCst) - before;

    eprintln!(
        "statements: quote {quoted}, order {ordered}, order with points {redeemed}, refund {refunded}"
    );
    // Measured when written (the bench's figures rest on them): on PostgreSQL an order
    // is one read and one write, redeeming or not (its audit row goes in the write); the
    // portable path (SQLite, and PostgreSQL under contention) 9 and 13, and two more
    // since the key's audit row and its targets (issue 33), as for a refund.
    let (order_max, redeem_max) = if loyalty_tests::backend() == "postgres" {
        (2, 2)
    } else {
        (11, 15)
    };
    assert!(quoted <= 2, "quote: {quoted}");
    assert!(ordered <= order_max, "order: {ordered}");
    assert!(redeemed <= redeem_max, "order with points: {redeemed}");
    assert!(refunded <= 14, "refund: {refunded}");
}
