//! Orders arriving together. On PostgreSQL the orders of one shop in flight at once are
//! read by one statement and written by one; these tests send many at once, to two
//! replicas over one database, and check that every order counts exactly once whatever
//! batch it landed in (on SQLite the same requests take the portable path).
use chrono::Duration;
use loyalty_tests::TestApp;
use loyalty_tests::spawn_app;
use serde_json::{Value, json};

const RECORD: &str = "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId pointsEarned member { totalOrders points { available } } } }";

fn order(id: &str, customer: &str, redeem: i64) -> Value {
    json!({"i": {"externalId": id, "memberExternalId": customer, "channel": "POS",
        "lines": [{"productId": "p", "quantity": 1, "unitPrice": "100000"}],
        "redeemPoints": redeem}})
}

/// A shop whose program earns a point per 1,000 VND; its admin key.
async fn shop_with_a_point_per_thousand(app: &TestApp) -> String {
    let (_, admin) = app.create_shop("A").await;
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "1000", "rewardRatePercent": "100"}),
        "INITIAL_TIER",
    )
    .await;
    admin
}

/// The member row's cached balances, by external id.
async fn cached(app: &TestApp, admin: &str, customer: &str) -> (i64, i64) {
    let m = app
        .gql(
            Some(admin),
            "query($e: String) { member(externalId: $e) { id } }",
            json!({ "e": customer }),
        )
        .await;
    let id: uuid::Uuid = m.data()["member"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("member id of {customer}"));
    app.cached_points(id).await
}

/// 16 customers with points send 4 orders each (one redeeming 10 points), 8 new
/// customers their first, and one order is sent three times: all at once, spread over
/// two replicas, so that batches form on both and cross each other. Every order is
/// recorded once, every balance is exact, and the cached balances equal the ledger.
#[tokio::test]
async fn orders_sent_together_to_two_replicas_each_count_once() {
    let a = spawn_app().await;
    let b = a.replica(60_000).await;
    let admin = shop_with_a_point_per_thousand(&a).await;
    let customers: Vec<String> = (0..16).map(|c| format!("c{c}")).collect();
    for c in &customers {
        a.order(&admin, &format!("{c}-first"), c, 100_000, 0)
            .await
            .data();
    }
    a.advance(Duration::days(2));

    let (mut to_a, mut to_b) = (Vec::new(), Vec::new());
    for round in 0..4 {
        for (i, c) in customers.iter().enumerate() {
            let redeem = if round == i % 4 { 10 } else { 0 };
            let vars = order(&format!("{c}-{round}"), c, redeem);
            if (round + i) % 2 == 0 {
                to_a.push(vars);
            } else {
                to_b.push(vars);
            }
        }
    }
    for n in 0..8 {
        let vars = order(&format!("n{n}-first"), &format!("n{n}"), 0);
        if n % 2 == 0 {
            to_a.push(vars)
        } else {
            to_b.push(vars)
        }
    }
    for _ in 0..3 {
        to_a.push(order("retried", "c0", 0));
    }
    let (codes_a, codes_b) =
        tokio::join!(a.race(&admin, RECORD, to_a), b.race(&admin, RECORD, to_b));
    assert!(
        codes_a.iter().chain(&codes_b).all(|c| c == "OK"),
        "{codes_a:?} {codes_b:?}"
    );

    for c in &customers {
        let m = a
            .gql(
                Some(&admin),
                "query($e: String) { member(externalId: $e) { totalOrders totalSpent } }",
                json!({ "e": c }),
            )
            .await;
        let m = &m.data()["member"];
        // c0 also has the order sent three times, recorded once.
        let extra = i64::from(c == "c0");
        assert_eq!(m["totalOrders"], 5 + extra, "{c}");
        assert_eq!(
            m["totalSpent"],
            (490_000 + extra * 100_000).to_string(),
            "{c}"
        );
        // Earned 100 + 3 × 100 + 90 (10 points paid 10,000 VND), spent 10.
        let available = 480 + extra * 100;
        assert_eq!(
            a.points(&admin, c).await,
            (available, 0, 10, 0),
            "{c}: ledger"
        );
        assert_eq!(cached(&a, &admin, c).await, (available, 0), "{c}: cache");
    }
    for n in 0..8 {
        let c = format!("n{n}");
        assert_eq!(a.points(&admin, &c).await, (100, 0, 0, 0), "{c}");
        assert_eq!(cached(&a, &admin, &c).await, (100, 0), "{c}: cache");
    }
}

/// On PostgreSQL, order batches run on connections of their own that plan each
/// statement once and never scan a whole table; the rest of the API keeps PostgreSQL's
/// usual planning (its searches need plans made for their parameters).
#[tokio::test]
async fn order_batches_plan_once_on_connections_of_their_own() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    if loyalty_tests::backend() != "postgres" {
        return;
    }
    let show = |db: &sea_orm::DatabaseConnection, setting: &str| {
        let sql = format!("SELECT current_setting('{setting}') AS v");
        let db = db.clone();
        async move {
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("no row"));
            row.try_get::<String>("", "v")
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let ctx = &app.ctx;
    assert_eq!(
        show(&ctx.order_db, "plan_cache_mode").await,
        "force_generic_plan"
    );
    assert_eq!(show(&ctx.order_db, "enable_seqscan").await, "off");
    assert_eq!(show(&ctx.db, "plan_cache_mode").await, "auto");
    assert_eq!(show(&ctx.db, "enable_seqscan").await, "on");
}

/// An order refused in its batch (it redeems more points than its customer has) is
/// answered with its own error, and does not undo the orders it was read with: the
/// batch writes those whose plans stood.
#[tokio::test]
async fn an_order_refused_in_its_batch_leaves_the_others_written() {
    let app = spawn_app().await;
    let admin = shop_with_a_point_per_thousand(&app).await;
    let customers: Vec<String> = (0..12).map(|c| format!("c{c}")).collect();
    // Odd customers earn 100 points, even ones 10.
    let first = |i: usize| if i % 2 == 1 { 100_000 } else { 10_000 };
    for (i, c) in customers.iter().enumerate() {
        app.order(&admin, &format!("{c}-first"), c, first(i), 0)
            .await
            .data();
    }
    app.advance(Duration::days(2));

    // Every customer redeems 50 points at once.
    let sent: Vec<Value> = customers
        .iter()
        .map(|c| order(&format!("{c}-second"), c, 50))
        .collect();
    let codes = app.race(&admin, RECORD, sent).await;

    for (i, c) in customers.iter().enumerate() {
        let m = app
            .gql(
                Some(&admin),
                "query($e: String) { member(externalId: $e) { totalOrders } }",
                json!({ "e": c }),
            )
            .await;
        let orders = &m.data()["member"]["totalOrders"];
        if i % 2 == 1 {
            assert_eq!(codes[i], "OK", "{c}");
            assert_eq!(*orders, 2, "{c}");
            // 100 + 50 earned (50 points paid 50,000 VND), 50 spent.
            assert_eq!(app.points(&admin, c).await, (100, 0, 50, 0), "{c}");
            assert_eq!(cached(&app, &admin, c).await, (100, 0), "{c}: cache");
        } else {
            assert_eq!(codes[i], "INSUFFICIENT_POINTS", "{c}");
            assert_eq!(*orders, 1, "{c}");
            assert_eq!(app.points(&admin, c).await, (10, 0, 0, 0), "{c}");
            assert_eq!(cached(&app, &admin, c).await, (10, 0), "{c}: cache");
        }
    }
}
