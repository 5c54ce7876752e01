//! Program configuration and activation.
use loyalty_tests::spawn_app;
use serde_json::json;

const CONFIGURE: &str = "mutation($i: ProgramInput!) { configureProgram(input: $i) { status spendPerRankingPoint rewardRatePercent pointsPerThousandVnd pendingHours expiry { kind days periodMonths } cycle { kind months startsOn } } }";

#[tokio::test]
async fn configure_changes_only_what_is_given() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let res = app
        .gql(
            Some(&admin),
            CONFIGURE,
            json!({"i": {
                "spendPerRankingPoint": "1000",
                "rewardRatePercent": "50",
                "expiry": {"kind": "DAYS_AFTER_EARN", "days": 365},
                "cycle": {"kind": "ROLLING_MONTHS", "months": 12, "startsOn": "2026-01-01"}
            }}),
        )
        .await;
    let p = &res.data()["configureProgram"];
    assert_eq!(p["spendPerRankingPoint"], "1000");
    assert_eq!(p["rewardRatePercent"], "50");
    assert_eq!(p["pointsPerThousandVnd"], 1);
    assert_eq!(
        p["expiry"],
        json!({"kind": "DAYS_AFTER_EARN", "days": 365, "periodMonths": null})
    );
    assert_eq!(
        p["cycle"],
        json!({"kind": "ROLLING_MONTHS", "months": 12, "startsOn": "2026-01-01"})
    );

    let res = app
        .gql(Some(&admin), CONFIGURE, json!({"i": {"pendingHours": 24}}))
        .await;
    let p = &res.data()["configureProgram"];
    assert_eq!(p["pendingHours"], 24);
    assert_eq!(p["spendPerRankingPoint"], "1000");

    // The ranking thresholds follow the conversion.
    let tiers = app
        .gql(
            Some(&admin),
            "{ tiers { name minRankingPoints } }",
            json!({}),
        )
        .await;
    assert_eq!(tiers.data()["tiers"][1]["minRankingPoints"], 2000);
}

#[tokio::test]
async fn bad_settings_are_refused_with_the_field() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    for input in [
        json!({"spendPerRankingPoint": "0"}),
        json!({"rewardRatePercent": "-1"}),
        json!({"pointsPerThousandVnd": 0}),
        json!({"pendingHours": -1}),
        json!({"expiry": {"kind": "DAYS_AFTER_EARN"}}),
        json!({"expiry": {"kind": "END_OF_PERIOD", "periodMonths": 0}}),
        json!({"cycle": {"kind": "ROLLING_MONTHS"}}),
    ] {
        let res = app.gql(Some(&admin), CONFIGURE, json!({"i": input})).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert!(
            res.body["errors"][0]["extensions"]["field"].is_string(),
            "{input}"
        );
    }
}

#[tokio::test]
async fn ranking_conversion_is_immutable_once_active() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let act = "mutation { activateProgram(mode: INITIAL_TIER) { status activationMode } }";
    let res = app.gql(Some(&admin), act, json!({})).await;
    assert_eq!(res.data()["activateProgram"]["status"], "ACTIVE");
    assert_eq!(
        res.data()["activateProgram"]["activationMode"],
        "INITIAL_TIER"
    );

    let res = app
        .gql(
            Some(&admin),
            CONFIGURE,
            json!({"i": {"spendPerRankingPoint": "1000"}}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.message().contains("fixed once the program is active"));
    // Other settings still change.
    let res = app
        .gql(
            Some(&admin),
            CONFIGURE,
            json!({"i": {"rewardRatePercent": "200"}}),
        )
        .await;
    assert_eq!(res.data()["configureProgram"]["rewardRatePercent"], "200");
    // Activating twice is a conflict.
    assert_eq!(
        app.gql(Some(&admin), act, json!({})).await.code(),
        "CONFLICT"
    );
}

#[tokio::test]
async fn activation_puts_every_customer_in_the_initial_tier() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    let q = "{ member(externalId: \"c1\") { tier { name } } }";
    assert!(app.gql(Some(&admin), q, json!({})).await.data()["member"]["tier"].is_null());
    app.gql(
        Some(&admin),
        "mutation { activateProgram(mode: BACKFILL) { status } }",
        json!({}),
    )
    .await
    .data();
    let res = app.gql(Some(&admin), q, json!({})).await;
    assert_eq!(res.data()["member"]["tier"]["name"], "Member");
    // Customers created after activation start there too.
    app.upsert_member(&admin, json!({"externalId": "c2"})).await;
    let res = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"c2\") { tier { name memberCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.data()["member"]["tier"]["name"], "Member");
    assert_eq!(res.data()["member"]["tier"]["memberCount"], 2);
}
