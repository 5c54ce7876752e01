//! Activation at size (issue 30): BACKFILL ranks members in batches, each its own
//! transaction. An activation cut short leaves the program DRAFT and resumes where it
//! stopped; what was recorded meanwhile counts once; the end is the same as an
//! uninterrupted activation's, and refunds afterwards take back what it counted.
use chrono::{DateTime, Duration, Utc};
use loyalty_domain::members::activation::{Batching, Outcome, activate_in_batches};
use loyalty_domain::program::ActivationMode;
use loyalty_entities::member;
use loyalty_tests::{TestApp, spawn_app, start_time};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// Calendar-year cycles, so that last year's orders count, the year before's do not.
fn settings() -> Value {
    json!({"cycle": {"kind": "CALENDAR_YEAR"}, "enrollment": "ALL_CUSTOMERS"})
}

async fn configure(app: &TestApp, admin: &str) {
    app.gql(
        Some(admin),
        "mutation($i: ProgramInput!) { configureProgram(input: $i) { status } }",
        json!({ "i": settings() }),
    )
    .await
    .data();
}

/// Records an order placed at `at`.
async fn order_at(
    app: &TestApp,
    admin: &str,
    id: &str,
    member: &str,
    amount: i64,
    at: DateTime<Utc>,
) {
    app.gql(
        Some(admin),
        "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
        json!({"i": {
            "externalId": id,
            "memberExternalId": member,
            "channel": "POS",
            "placedAt": at.to_rfc3339(),
            "lines": [{"productId": "sku", "quantity": 1, "unitPrice": amount.to_string()}],
        }}),
    )
    .await
    .data();
}

/// The shop's history before activation: this year's, last year's and older orders,
/// and a refund.
async fn history(app: &TestApp, admin: &str) {
    let now = start_time();
    let last_year = now - Duration::days(365);
    let older = now - Duration::days(800);
    order_at(app, admin, "h1", "c1", 2_500_000, now).await;
    order_at(app, admin, "h2", "c2", 4_000_000, last_year).await;
    order_at(app, admin, "h3", "c2", 2_000_000, now).await;
    order_at(app, admin, "h4", "c3", 9_000_000, older).await;
    order_at(app, admin, "h5", "c4", 6_000_000, now).await;
    order_at(app, admin, "h6", "c5", 1_500_000, last_year).await;
    app.refund(admin, "h5", "hr5", 3_000_000).await.data();
}

/// What happens while the activation runs (or, for the uninterrupted run, just before
/// it): orders for members ranked already and not yet, a refund, a new customer.
async fn meanwhile(app: &TestApp, admin: &str) {
    let now = start_time();
    for (id, member, amount) in [
        ("m1", "c1", 3_000_000),
        ("m2", "c5", 1_000_000),
        ("m3", "c6", 2_200_000),
        ("m4", "c3", 500_000),
    ] {
        order_at(app, admin, id, member, amount, now).await;
    }
    app.refund(admin, "h3", "mr3", 2_000_000).await.data();
}

/// Every customer's (external id, tier, ranking spend, previous cycle's spend).
async fn standings(app: &TestApp, admin: &str) -> Vec<(String, Option<String>, i64, i64)> {
    standings_of(app, admin, &["c1", "c2", "c3", "c4", "c5", "c6"]).await
}

/// [`standings`] of `customers`.
async fn standings_of(
    app: &TestApp,
    admin: &str,
    customers: &[&str],
) -> Vec<(String, Option<String>, i64, i64)> {
    let mut out = Vec::new();
    for &c in customers {
        let row = member::Entity::find()
            .filter(member::Column::ExternalId.eq(c))
            .one(&app.ctx.db)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("member {c}"));
        let tier = app.tier_of(admin, c).await;
        out.push((c.to_owned(), tier, row.ranking_spend, row.prev_cycle_spend));
    }
    out
}

async fn status(app: &TestApp, admin: &str) -> String {
    let res = app
        .gql(Some(admin), "{ program { status } }", json!({}))
        .await;
    res.data()["program"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A new server with a configured DRAFT shop and its customers' history: the server, the
/// ADMIN key and the shop's id.
async fn shop_with_history() -> (TestApp, String, uuid::Uuid) {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    configure(&app, &admin).await;
    history(&app, &admin).await;
    let shop_id = shop.parse().unwrap_or_default();
    (app, admin, shop_id)
}

#[tokio::test]
async fn an_activation_cut_short_resumes_and_ends_as_an_uninterrupted_one() {
    let (reference, ref_admin, _) = shop_with_history().await;
    meanwhile(&reference, &ref_admin).await;
    reference
        .gql(
            Some(&ref_admin),
            "mutation { activateProgram(mode: BACKFILL) { status } }",
            json!({}),
        )
        .await
        .data();
    let expected = standings(&reference, &ref_admin).await;

    let (app, admin, shop_id) = shop_with_history().await;
    // Later than the history by more than the activation's margin, so that only what
    // happens meanwhile is ranked again at the end, and the batches are what is tested.
    app.advance(Duration::minutes(10));
    let cut = Batching {
        members: 2,
        max_batches: Some(1),
    };
    let outcome = activate_in_batches(&app.ctx, shop_id, ActivationMode::Backfill, cut)
        .await
        .unwrap_or_else(|e| panic!("first batch: {e}"));
    match outcome {
        Outcome::Running(p) => assert_eq!(p.members_done, 2),
        Outcome::Active(_) => panic!("one batch of two cannot rank five members"),
    }
    assert_eq!(
        status(&app, &admin).await,
        "DRAFT",
        "cut short: still DRAFT"
    );
    app.advance(Duration::minutes(10));
    meanwhile(&app, &admin).await;
    let res = app
        .gql(
            Some(&admin),
            "mutation { activateProgram(mode: BACKFILL) { status } }",
            json!({}),
        )
        .await;
    assert_eq!(res.data()["activateProgram"]["status"], "ACTIVE");
    assert_eq!(standings(&app, &admin).await, expected);
    assert!(
        expected.iter().any(|(_, _, _, prev)| *prev > 0),
        "last year's orders count: {expected:?}"
    );

    // A refund of an order BACKFILL counted (last year's, this year's, one recorded while
    // the activation ran) takes back what it counted, in both.
    for (app, admin) in [(&reference, &ref_admin), (&app, &admin)] {
        app.refund(admin, "h2", "r2", 4_000_000).await.data();
        app.refund(admin, "h1", "r1", 1_000_000).await.data();
        app.refund(admin, "m1", "rm1", 3_000_000).await.data();
        app.refund(admin, "h4", "r4", 9_000_000).await.data();
    }
    let after = standings(&app, &admin).await;
    assert_eq!(after, standings(&reference, &ref_admin).await);
    let c1 = &after[0];
    assert_eq!((c1.2, c1.3), (1_500_000, 0), "c1: 2.5M + 3M - 1M - 3M");
    let c2 = &after[1];
    assert_eq!((c2.2, c2.3), (0, 0), "c2: last year's 4M refunded");

    // A year on, an order placed in BACKFILL's previous cycle is older than the member's
    // two cycles: it counts nowhere and carries no tag, and its refund takes nothing back
    // though it falls in the activation's window.
    app.advance(Duration::days(400));
    order_at(
        &app,
        &admin,
        "late",
        "c6",
        7_000_000,
        start_time() - Duration::days(365),
    )
    .await;
    let before = standings(&app, &admin).await;
    app.refund(&admin, "late", "rlate", 7_000_000).await.data();
    assert_eq!(standings(&app, &admin).await, before, "an uncounted order");
}

#[tokio::test]
async fn the_jobs_finish_an_activation_cut_short() {
    let (app, admin, shop_id) = shop_with_history().await;
    let cut = Batching {
        members: 1,
        max_batches: Some(2),
    };
    activate_in_batches(&app.ctx, shop_id, ActivationMode::Backfill, cut)
        .await
        .unwrap_or_else(|e| panic!("two batches: {e}"));
    let res = app
        .gql(
            Some(&admin),
            "{ program { status activation { mode membersDone finishedAt } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        res.data()["program"],
        json!({"status": "DRAFT", "activation": {"mode": "BACKFILL", "membersDone": 2, "finishedAt": null}})
    );
    assert_eq!(app.run_jobs().await.activations_finished, 1);
    assert_eq!(status(&app, &admin).await, "ACTIVE");
    assert_eq!(app.run_jobs().await.activations_finished, 0, "once");
    assert_eq!(
        app.tier_of(&admin, "c2").await.as_deref(),
        Some("Silver"),
        "the larger of last year's 4M and this year's 2M"
    );
}

#[tokio::test]
async fn a_tier_changed_while_cut_short_ranks_everyone_by_the_new_threshold() {
    let silver = json!({"minSpend": "3000000"});
    let (reference, ref_admin, _) = shop_with_history().await;
    reference.update_tier(&ref_admin, 2, silver.clone()).await;
    reference
        .gql(
            Some(&ref_admin),
            "mutation { activateProgram(mode: BACKFILL) { status } }",
            json!({}),
        )
        .await
        .data();

    let (app, admin, shop_id) = shop_with_history().await;
    app.advance(Duration::minutes(10));
    // Every member ranked, by the old threshold; the program not flipped yet.
    let cut = Batching {
        members: 5,
        max_batches: Some(1),
    };
    activate_in_batches(&app.ctx, shop_id, ActivationMode::Backfill, cut)
        .await
        .unwrap_or_else(|e| panic!("one batch: {e}"));
    let customers = ["c1", "c2", "c3", "c4", "c5"];
    let expected = standings_of(&reference, &ref_admin, &customers).await;
    let c1 = member::Entity::find()
        .filter(member::Column::ExternalId.eq("c1"))
        .one(&app.ctx.db)
        .await
        .ok()
        .flatten()
        .and_then(|m| m.tier_id);
    assert!(c1.is_some(), "c1 ranked by the first threshold");
    app.update_tier(&admin, 2, silver).await;
    let res = app
        .gql(
            Some(&admin),
            "mutation { activateProgram(mode: BACKFILL) { status } }",
            json!({}),
        )
        .await;
    assert_eq!(res.data()["activateProgram"]["status"], "ACTIVE");
    assert_eq!(standings_of(&app, &admin, &customers).await, expected);
    assert_eq!(
        expected[0].1.as_deref(),
        Some("Member"),
        "c1's 2.5M: {expected:?}"
    );
}
