//! Crash recovery: orders pushed from concurrent clients, the server killed with SIGKILL
//! mid-way, restarted, every order replayed with the same external id; then each
//! member's points and stats must equal a recomputation from the orders. Runs on SQLite,
//! and on PostgreSQL when TEST_DATABASE_URL is set.
mod support;

use futures::stream::{self, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use support::{TOKEN, database, gql, healthy};

const ORDERS: usize = 5000;
const MEMBERS: usize = 50;

fn amount(i: usize) -> i64 {
    10_000 + (i as i64 * 7_919) % 490_000
}

const ORDER: &str = "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }";

fn order(i: usize) -> Value {
    json!({"i": {"externalId": format!("o{i}"), "memberExternalId": format!("m{}", i % MEMBERS), "channel": "POS",
        "lines": [{"productId": "p", "quantity": 1, "unitPrice": amount(i).to_string()}]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_way_then_replay_gives_exact_balances() {
    let (url, _dir) = database("crash");
    let port = support::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = support::client();
    let mut server = support::start(&url, port, &[]);
    healthy(&client, &base).await;
    let shop = gql(
        &client,
        &base,
        TOKEN,
        "mutation { createShop(name: \"crash\") { adminKey } }",
        json!({}),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let key = shop["createShop"]["adminKey"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    gql(
        &client,
        &base,
        &key,
        "mutation { configureProgram(input: {spendPerRankingPoint: \"1000\", enrollment: ALL_CUSTOMERS}) { status } }",
        json!({}),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    gql(
        &client,
        &base,
        &key,
        "mutation { activateProgram(mode: INITIAL_TIER) { status } }",
        json!({}),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    // Push orders from 8 clients; kill the server once 40 % have been answered.
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let pushing = {
        let (client, base, key, answered) =
            (client.clone(), base.clone(), key.clone(), answered.clone());
        tokio::spawn(async move {
            stream::iter(0..ORDERS)
                .for_each_concurrent(8, |i| {
                    let (client, base, key, answered) =
                        (client.clone(), base.clone(), key.clone(), answered.clone());
                    async move {
                        if gql(&client, &base, &key, ORDER, order(i)).await.is_ok() {
                            answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                    }
                })
                .await;
        })
    };
    while answered.load(std::sync::atomic::Ordering::SeqCst) < ORDERS * 2 / 5 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap_or_else(|e| panic!("{e}")); // SIGKILL
    server.wait().ok();
    pushing.await.ok();
    let before_crash = answered.load(std::sync::atomic::Ordering::SeqCst);
    assert!(before_crash < ORDERS, "the kill landed mid-way");

    // Restart and replay every order with the same external id.
    let mut server = support::start(&url, port, &[]);
    healthy(&client, &base).await;
    let failures: Vec<String> = stream::iter(0..ORDERS)
        .map(|i| {
            let (client, base, key) = (client.clone(), base.clone(), key.clone());
            async move { gql(&client, &base, &key, ORDER, order(i)).await.err() }
        })
        .buffer_unordered(8)
        .filter_map(|e| async move { e })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "replays failed: {:?}",
        &failures[..failures.len().min(3)]
    );

    // Every member equals a recomputation from the orders.
    for m in 0..MEMBERS {
        let mine: Vec<usize> = (0..ORDERS).filter(|i| i % MEMBERS == m).collect();
        let spent: i64 = mine.iter().map(|i| amount(*i)).sum();
        let points: i64 = mine.iter().map(|i| amount(*i) / 1000).sum();
        let got = gql(
            &client,
            &base,
            &key,
            "query($e: String) { member(externalId: $e) { totalOrders totalSpent points { available pending used expired } } }",
            json!({"e": format!("m{m}")}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let got = &got["member"];
        assert_eq!(got["totalOrders"], json!(mine.len()), "m{m}");
        assert_eq!(got["totalSpent"], json!(spent.to_string()), "m{m}");
        assert_eq!(
            got["points"],
            json!({"available": points, "pending": 0, "used": 0, "expired": 0}),
            "m{m}"
        );
    }
    eprintln!(
        "{before_crash} of {ORDERS} orders answered before SIGKILL; all {ORDERS} replayed; {MEMBERS} members match"
    );
    server.kill().ok();
    server.wait().ok();
}
