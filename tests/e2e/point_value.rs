//! The setup screen's numbers (seed 001 step 3): a reward point's value, the redemption
//! rate that follows it until the merchant sets one, the migration of programs stored
//! before, a member's ranking points, and cycle parameters a kind would ignore.
use loyalty_tests::{TestApp, spawn_app};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const PROGRAM: &str = "{ program { status spendPerRankingPoint rewardRatePercent pointValue redemptionFollowsPointValue redemptionValue pointsPerThousandVnd pendingHours cycle { kind months startsOn } } }";

const CONFIGURE: &str = "mutation($i: ProgramInput!) { configureProgram(input: $i) { pointValue redemptionFollowsPointValue redemptionValue pointsPerThousandVnd } }";

const QUOTE: &str =
    "mutation($i: QuoteInput!) { quote(input: $i) { pointsRedeemed pointsValue total } }";

async fn program(app: &TestApp, key: &str) -> Value {
    app.gql(Some(key), PROGRAM, json!({})).await.data()["program"].clone()
}

/// The redemption numbers of the program: (pointValue, follows, redemptionValue,
/// pointsPerThousandVnd).
async fn redemption(app: &TestApp, key: &str) -> Value {
    let p = program(app, key).await;
    json!([
        p["pointValue"],
        p["redemptionFollowsPointValue"],
        p["redemptionValue"],
        p["pointsPerThousandVnd"]
    ])
}

/// What `points` pay against a one-line cart of `amount`, quoted then recorded as order
/// `id`: (points used, VND they paid) from the quote and from the order.
async fn pay_with_points(
    app: &TestApp,
    key: &str,
    id: &str,
    member: &str,
    amount: i64,
    points: i64,
) -> ((i64, i64), (i64, i64)) {
    let q = app
        .gql(
            Some(key),
            QUOTE,
            json!({"i": {"memberExternalId": member, "redeemPoints": points,
                "lines": [{"productId": "sku", "quantity": 1, "unitPrice": amount.to_string()}]}}),
        )
        .await;
    let q = &q.data()["quote"];
    let quoted = (
        q["pointsRedeemed"].as_i64().unwrap_or(-1),
        q["pointsValue"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1),
    );
    let o = app.order(key, id, member, amount, points).await;
    let o = &o.data()["recordOrder"];
    let paid: i64 = o["paid"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1);
    let total: i64 = o["total"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1);
    let ordered = (o["pointsRedeemed"].as_i64().unwrap_or(-1), total - paid);
    (quoted, ordered)
}

#[tokio::test]
async fn the_defaults_make_a_point_worth_one_vnd() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let p = program(&app, &admin).await;
    assert_eq!(p["spendPerRankingPoint"], "1");
    assert_eq!(p["rewardRatePercent"], "100");
    assert_eq!(
        redemption(&app, &admin).await,
        json!(["1", true, "1", 1000])
    );
    app.activate(&admin, json!({}), "INITIAL_TIER").await;
    // A 300,000 VND order earns 300,000 points, worth 300,000 VND, not 300,000,000.
    let o = app.order(&admin, "o1", "c1", 300_000, 0).await;
    assert_eq!(o.data()["recordOrder"]["pointsEarned"], 300_000);
    let (quoted, ordered) = pay_with_points(&app, &admin, "o2", "c1", 50_000, 1_000).await;
    assert_eq!(quoted, (1_000, 1_000), "1,000 points pay 1,000 VND");
    assert_eq!(ordered, quoted);
    // Capped by what is left to pay: 50,000 points at most on a 50,000 VND order.
    let (quoted, ordered) = pay_with_points(&app, &admin, "o3", "c1", 50_000, 80_000).await;
    assert_eq!(quoted, (50_000, 50_000));
    assert_eq!(ordered, quoted);
}

#[tokio::test]
async fn seed_001_example_makes_a_point_worth_1000_vnd() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let res = app
        .gql(
            Some(&admin),
            CONFIGURE,
            json!({"i": {"spendPerRankingPoint": "1000", "rewardRatePercent": "100"}}),
        )
        .await;
    assert_eq!(
        res.data()["configureProgram"],
        json!({"pointValue": "1000", "redemptionFollowsPointValue": true,
            "redemptionValue": "1000", "pointsPerThousandVnd": 1})
    );
    app.activate(&admin, json!({}), "INITIAL_TIER").await;
    app.order(&admin, "o1", "c1", 1_000_000, 0).await.data();
    let n = 30;
    let (quoted, ordered) = pay_with_points(&app, &admin, "o2", "c1", 100_000, n).await;
    assert_eq!(quoted, (n, n * 1000), "N points pay N x 1,000 VND");
    assert_eq!(ordered, quoted);
}

#[tokio::test]
async fn a_point_value_that_is_not_whole_is_kept_exact() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "1000", "rewardRatePercent": "150"}),
        "INITIAL_TIER",
    )
    .await;
    // 1,000 / 1.5 VND: shown to 28 significant digits, 1.5 points per 1,000 VND shown as 2.
    assert_eq!(
        redemption(&app, &admin).await,
        json!([
            "666.66666666666666666666666667",
            true,
            "666.66666666666666666666666667",
            2
        ])
    );
    app.order(&admin, "o1", "c1", 1_000_000, 0).await.data();
    // One point pays 666.67 rounded half-up; three pay exactly 2,000.
    let (quoted, ordered) = pay_with_points(&app, &admin, "o2", "c1", 100_000, 1).await;
    assert_eq!(quoted, (1, 667));
    assert_eq!(ordered, quoted);
    let (quoted, ordered) = pay_with_points(&app, &admin, "o3", "c1", 100_000, 3).await;
    assert_eq!(quoted, (3, 2_000));
    assert_eq!(ordered, quoted);
}

#[tokio::test]
async fn a_redemption_rate_the_merchant_sets_stays_theirs() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let res = app
        .gql(
            Some(&admin),
            CONFIGURE,
            json!({"i": {"pointsPerThousandVnd": 2}}),
        )
        .await;
    assert_eq!(
        res.data()["configureProgram"],
        json!({"pointValue": "1", "redemptionFollowsPointValue": false,
            "redemptionValue": "500", "pointsPerThousandVnd": 2})
    );
    // Changing the earning settings changes the point value, not the merchant's rate.
    app.activate(
        &admin,
        json!({"spendPerRankingPoint": "2000", "rewardRatePercent": "50"}),
        "INITIAL_TIER",
    )
    .await;
    assert_eq!(
        redemption(&app, &admin).await,
        json!(["4000", false, "500", 2])
    );
    app.order(&admin, "o1", "c1", 10_000_000, 0).await.data();
    let (quoted, ordered) = pay_with_points(&app, &admin, "o2", "c1", 100_000, 40).await;
    assert_eq!(quoted, (40, 20_000), "2 points per 1,000 VND");
    assert_eq!(ordered, quoted);

    // Refused, and nothing written: both at once, or a 0 % rate while following.
    let before = program(&app, &admin).await;
    for (input, field) in [
        (
            json!({"pointsPerThousandVnd": 3, "redemptionFollowsPointValue": true, "pendingHours": 5}),
            "redemptionFollowsPointValue",
        ),
        (
            json!({"redemptionFollowsPointValue": false, "pendingHours": 5}),
            "redemptionFollowsPointValue",
        ),
        (
            json!({"redemptionFollowsPointValue": true, "rewardRatePercent": "0"}),
            "rewardRatePercent",
        ),
    ] {
        let res = app.gql(Some(&admin), CONFIGURE, json!({"i": input})).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(
            res.body["errors"][0]["extensions"]["field"], field,
            "{input}"
        );
        assert_eq!(program(&app, &admin).await, before, "{input}");
    }

    // Given back, it follows the point value again.
    let res = app
        .gql(
            Some(&admin),
            CONFIGURE,
            json!({"i": {"redemptionFollowsPointValue": true}}),
        )
        .await;
    assert_eq!(
        res.data()["configureProgram"],
        json!({"pointValue": "4000", "redemptionFollowsPointValue": true,
            "redemptionValue": "4000", "pointsPerThousandVnd": 1})
    );
    let (quoted, ordered) = pay_with_points(&app, &admin, "o3", "c1", 100_000, 5).await;
    assert_eq!(quoted, (5, 20_000));
    assert_eq!(ordered, quoted);
}

/// Programs stored before the point value: the migration is undone, the rows are put
/// back to what the old code stored, and the migration runs again.
#[tokio::test]
async fn the_migration_moves_only_draft_programs_at_the_old_default() {
    use loyalty_migrations::{Migrator, MigratorTrait};
    let app = spawn_app().await;
    let (_, draft) = app.create_shop("draft at the old default").await;
    let (_, chosen) = app.create_shop("draft with the merchant's rate").await;
    app.gql(
        Some(&chosen),
        CONFIGURE,
        json!({"i": {"pointsPerThousandVnd": 5}}),
    )
    .await
    .data();
    let (_, no_rate) = app.create_shop("draft earning nothing").await;
    app.gql(
        Some(&no_rate),
        CONFIGURE,
        json!({"i": {"pointsPerThousandVnd": 1, "rewardRatePercent": "0"}}),
    )
    .await
    .data();
    let (_, active) = app.create_shop("active at the old default").await;
    app.activate(&active, json!({}), "INITIAL_TIER").await;

    loyalty_tests::migrate_down_through(&app.ctx.db, "m20261207_000019_point_value").await;
    let db = &app.ctx.db;
    // The old code stored 1 point per 1,000 VND by default.
    db.execute_unprepared(
        "UPDATE programs SET points_per_thousand_vnd = 1, version = version + 1 \
         WHERE points_per_thousand_vnd <> 5",
    )
    .await
    .unwrap_or_else(|e| panic!("old rows: {e}"));
    Migrator::up(db, None)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));

    assert_eq!(
        redemption(&app, &draft).await,
        json!(["1", true, "1", 1000])
    );
    assert_eq!(
        redemption(&app, &chosen).await,
        json!(["1", false, "200", 5])
    );
    assert_eq!(
        redemption(&app, &no_rate).await,
        json!([null, false, "1000", 1])
    );
    // The running program's points pay what they paid: 1,000 VND each.
    assert_eq!(
        redemption(&app, &active).await,
        json!(["1", false, "1000", 1])
    );
    app.order(&active, "o1", "c1", 100_000, 0).await.data();
    let (quoted, ordered) = pay_with_points(&app, &active, "o2", "c1", 100_000, 10).await;
    assert_eq!(quoted, (10, 10_000));
    assert_eq!(ordered, quoted);
}

#[tokio::test]
async fn ranking_points_are_the_current_cycles_spend_converted() {
    let app = spawn_app().await;
    let admin = app.active_shop().await; // 1,000 VND per ranking point
    app.order(&admin, "o1", "c1", 1_234_567, 0).await.data();
    app.order(&admin, "o2", "c2", 999, 0).await.data();
    let q = "query($e: String) { member(externalId: $e) { rankingSpend rankingPoints tier { minRankingPoints } } }";
    let m = app.gql(Some(&admin), q, json!({"e": "c1"})).await;
    assert_eq!(
        m.data()["member"],
        json!({"rankingSpend": "1234567", "rankingPoints": "1234", "tier": {"minRankingPoints": 0}})
    );
    // Past Silver's 2,000 ranking points.
    app.order(&admin, "o3", "c1", 800_000, 0).await.data();
    let m = app.gql(Some(&admin), q, json!({"e": "c1"})).await;
    assert_eq!(m.data()["member"]["rankingPoints"], "2034");
    assert_eq!(m.data()["member"]["tier"]["minRankingPoints"], 2000);
    // A refund takes its share back.
    app.refund(&admin, "o3", "r1", 800_000).await.data();
    let m = app.gql(Some(&admin), q, json!({"e": "c1"})).await;
    assert_eq!(m.data()["member"]["rankingPoints"], "1234");
    // On a page of members, the same numbers.
    let page = app
        .gql(
            Some(&admin),
            "{ members(first: 10) { edges { node { externalId rankingPoints } } } }",
            json!({}),
        )
        .await;
    let mut got: Vec<(String, String)> = page.data()["members"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["node"]["externalId"].as_str().unwrap_or("").to_owned(),
                e["node"]["rankingPoints"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("c1".to_owned(), "1234".to_owned()),
            ("c2".to_owned(), "0".to_owned())
        ]
    );
}

#[tokio::test]
async fn ranking_points_at_the_defaults_are_the_spend() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.activate(&admin, json!({}), "INITIAL_TIER").await;
    app.order(&admin, "o1", "c1", 300_000, 0).await.data();
    let m = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"c1\") { rankingPoints } }",
            json!({}),
        )
        .await;
    assert_eq!(m.data()["member"]["rankingPoints"], "300000");
}

#[tokio::test]
async fn a_cycle_parameter_the_kind_ignores_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.gql(
        Some(&admin),
        CONFIGURE,
        json!({"i": {"cycle": {"kind": "ROLLING_MONTHS", "months": 6, "startsOn": "2026-01-01"}}}),
    )
    .await
    .data();
    let before = program(&app, &admin).await;
    for (input, field) in [
        (
            json!({"pendingHours": 5, "cycle": {"kind": "LIFETIME", "startsOn": "2026-03-01"}}),
            "cycle.startsOn",
        ),
        (
            json!({"pendingHours": 5, "cycle": {"kind": "CALENDAR_YEAR", "startsOn": "2026-03-01"}}),
            "cycle.startsOn",
        ),
        (
            json!({"pendingHours": 5, "cycle": {"kind": "CALENDAR_YEAR", "months": 12}}),
            "cycle.months",
        ),
        (
            json!({"pendingHours": 5, "expiry": {"kind": "NEVER", "days": 30}}),
            "expiry.days",
        ),
    ] {
        let res = app.gql(Some(&admin), CONFIGURE, json!({"i": input})).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(
            res.body["errors"][0]["extensions"]["field"], field,
            "{input}"
        );
        assert_eq!(program(&app, &admin).await, before, "{input}");
    }
    assert_eq!(
        before["cycle"],
        json!({"kind": "ROLLING_MONTHS", "months": 6, "startsOn": "2026-01-01"})
    );
    // Without the parameter the kind changes.
    let res = app
        .gql(
            Some(&admin),
            "mutation { configureProgram(input: {cycle: {kind: CALENDAR_YEAR}}) { cycle { kind startsOn } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        res.data()["configureProgram"]["cycle"],
        json!({"kind": "CALENDAR_YEAR", "startsOn": null})
    );
}
