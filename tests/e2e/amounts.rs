//! Amounts within their documented bounds (docs/limits.md): what a client sends beyond
//! them is `BAD_USER_INPUT` naming the field, and no number beyond 32 bits leaves as a
//! GraphQL `Int`.
use loyalty_domain::limits::MAX_POINTS;
use loyalty_tests::{Gql, TestApp, spawn_app, str_at};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const ADJUST: &str =
    "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { points { available } } }";
const ORDER: &str = "mutation($i: OrderInput!) { recordOrder(input: $i) { pointsEarned } }";

fn refused(res: &Gql, field: &str) {
    assert_eq!(res.code(), "BAD_USER_INPUT", "{}", res.body);
    assert_eq!(
        res.body["errors"][0]["extensions"]["field"], field,
        "{}",
        res.body
    );
}

async fn adjust(app: &TestApp, admin: &str, member: &str, points: Value, key: &str) -> Gql {
    app.gql(
        Some(admin),
        ADJUST,
        json!({"i": {"memberId": member, "points": points, "reason": "test", "idempotencyKey": key}}),
    )
    .await
}

fn order(lines: Value, redeem: Value) -> Value {
    json!({"i": {"externalId": "o-big", "memberExternalId": "m", "channel": "POS",
        "lines": lines, "redeemPoints": redeem}})
}

#[tokio::test]
async fn huge_points_and_amounts_are_refused_with_their_field() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.activate(&admin, json!({}), "INITIAL_TIER").await;
    let m = app.upsert_member(&admin, json!({"externalId": "m"})).await;

    for (i, points) in [json!(1_i64 << 40), json!(i64::MIN), json!(-(1_i64 << 40))]
        .into_iter()
        .enumerate()
    {
        refused(
            &adjust(&app, &admin, &m, points, &format!("k{i}")).await,
            "points",
        );
    }
    // The balance holds at most MAX_POINTS: filling it works, one more point does not.
    let full = adjust(&app, &admin, &m, json!(MAX_POINTS), "fill").await;
    assert_eq!(
        full.data()["adjustPoints"]["points"]["available"],
        MAX_POINTS
    );
    let over = adjust(&app, &admin, &m, json!(1), "one-more").await;
    refused(&over, "points");
    assert!(
        over.message().contains("at most 1,000,000,000 points"),
        "{}",
        over.message()
    );

    let line = |price: &str| json!([{"productId": "p", "quantity": 1, "unitPrice": price}]);
    let redeem = app
        .gql(Some(&admin), ORDER, order(line("1000"), json!(1_i64 << 40)))
        .await;
    refused(&redeem, "redeemPoints");
    let priced = app
        .gql(Some(&admin), ORDER, order(line("100000000001"), json!(0)))
        .await;
    refused(&priced, "lines");
    let quote = app
        .gql(
            Some(&admin),
            "mutation($i: QuoteInput!) { quote(input: $i) { total } }",
            json!({"i": {"lines": line("1000"), "redeemPoints": 1_i64 << 40}}),
        )
        .await;
    refused(&quote, "redeemPoints");
    // Nothing of the refused orders was written; the customer still orders.
    let ok = app.order(&admin, "o-ok", "m", 100_000, 0).await;
    assert_eq!(
        ok.data()["recordOrder"]["pointsEarned"],
        0,
        "the balance is full"
    );
    assert_eq!(app.points(&admin, "m").await, (MAX_POINTS, 0, 0, 0));
}

#[tokio::test]
async fn tier_thresholds_and_offer_amounts_stay_within_their_bounds() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let tier = "mutation($i: TierInput!) { createTier(input: $i) { minRankingPoints } }";
    // 1 VND per ranking point (the default): 5,000,000,000 VND is 5e9 ranking points.
    let big = app
        .gql(
            Some(&admin),
            tier,
            json!({"i": {"name": "Diamond", "minSpend": "5000000000"}}),
        )
        .await;
    refused(&big, "minSpend");
    let configure =
        "mutation($i: ProgramInput!) { configureProgram(input: $i) { spendPerRankingPoint } }";
    app.gql(
        Some(&admin),
        configure,
        json!({"i": {"spendPerRankingPoint": "1000"}}),
    )
    .await
    .data();
    let ok = app
        .gql(
            Some(&admin),
            tier,
            json!({"i": {"name": "Diamond", "minSpend": "5000000000"}}),
        )
        .await;
    assert_eq!(ok.data()["createTier"]["minRankingPoints"], 5_000_000);
    // A conversion under which a tier's threshold would pass the bound is refused.
    let tiny = app
        .gql(
            Some(&admin),
            configure,
            json!({"i": {"spendPerRankingPoint": "1"}}),
        )
        .await;
    refused(&tiny, "spendPerRankingPoint");

    let offer = "mutation($i: OfferInput!) { createOffer(input: $i) { id } }";
    let fixed = app
        .gql(
            Some(&admin),
            offer,
            json!({"i": {"name": "x", "discountKind": "FIXED", "value": "100000000001", "targetKind": "ORDER"}}),
        )
        .await;
    refused(&fixed, "value");
    let min_value = app
        .gql(
            Some(&admin),
            offer,
            json!({"i": {"name": "x", "discountKind": "PERCENT", "value": "10", "targetKind": "ORDER", "minValue": "100000000001"}}),
        )
        .await;
    refused(&min_value, "minValue");
}

#[tokio::test]
async fn a_count_beyond_32_bits_is_an_error_never_a_truncated_int() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let id = app.upsert_member(&admin, json!({"externalId": "m"})).await;
    // No request can make it so large: the row is written by hand.
    app.ctx
        .db
        .execute_unprepared("UPDATE members SET total_orders = 3000000000 WHERE external_id = 'm'")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let res = app
        .gql(
            Some(&admin),
            "query($id: ID!) { member(id: $id) { id totalOrders } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(res.code(), "INTERNAL", "{}", res.body);
    assert_eq!(str_at(&res.body, "/errors/0/path/1"), "totalOrders");
    let text = res.body.to_string();
    assert!(
        !text.contains("3000000000") || text.contains("beyond"),
        "{text}"
    );
    assert!(
        !text.contains(&(3_000_000_000_i64 as i32).to_string()),
        "{text}"
    );
}

#[tokio::test]
async fn refunds_give_back_redeemed_points_only_within_the_balance_bound() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.activate(&admin, json!({"pointsPerThousandVnd": 1}), "INITIAL_TIER")
        .await;
    let m = app.upsert_member(&admin, json!({"externalId": "m"})).await;
    adjust(&app, &admin, &m, json!(MAX_POINTS), "fill")
        .await
        .data();
    // 250 points pay the whole order (1 point = 1,000 VND); it earns nothing.
    let paid = app.order(&admin, "o-1", "m", 250_000, 250).await;
    assert_eq!(paid.data()["recordOrder"]["pointsRedeemed"], 250);
    adjust(&app, &admin, &m, json!(250), "refill").await.data();
    assert_eq!(app.points(&admin, "m").await.0, MAX_POINTS);
    // Half refunded: 125 points are due back, and none fit.
    app.refund(&admin, "o-1", "r-1", 125_000).await.data();
    assert_eq!(app.points(&admin, "m").await.0, MAX_POINTS);
    // Room for 100: the rest of the refund gives back what fits of the 250 due.
    adjust(&app, &admin, &m, json!(-100), "spend").await.data();
    app.refund(&admin, "o-1", "r-2", 125_000).await.data();
    assert_eq!(app.points(&admin, "m").await.0, MAX_POINTS);
}
