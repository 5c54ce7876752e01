//! Tier management and every validation the seeds state.
use loyalty_tests::{TestApp, spawn_app, str_at};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: TierInput!) { createTier(input: $i) { id name rank minSpend discountPercent discountCap pointMultiplier redeemCap combinesWithPromotions } }";
const UPDATE: &str = "mutation($id: ID!, $i: TierInput!) { updateTier(id: $id, input: $i) { id name rank minSpend discountPercent discountCap } }";

async fn tiers(app: &TestApp, key: &str) -> Vec<Value> {
    app.gql(
        Some(key),
        "{ tiers { id name rank minSpend isInitial memberCount } }",
        json!({}),
    )
    .await
    .data()["tiers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn id_of(app: &TestApp, key: &str, name: &str) -> String {
    tiers(app, key)
        .await
        .iter()
        .find(|t| t["name"] == name)
        .map(|t| str_at(t, "/id"))
        .unwrap_or_else(|| panic!("no tier {name}"))
}

#[tokio::test]
async fn create_a_tier_between_others_and_ranks_follow_thresholds() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let res = app
        .gql(
            Some(&admin),
            CREATE,
            json!({"i": {"name": "Bronze", "minSpend": "1000000", "discountPercent": "2", "discountCap": "50000", "pointMultiplier": "1.5", "redeemCap": "100000", "combinesWithPromotions": true}}),
        )
        .await;
    let t = &res.data()["createTier"];
    assert_eq!(t["rank"], 2);
    assert_eq!(t["discountCap"], "50000");
    assert_eq!(t["pointMultiplier"], "1.5");
    assert_eq!(t["combinesWithPromotions"], true);
    let names: Vec<Value> = tiers(&app, &admin)
        .await
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec!["Member", "Bronze", "Silver", "Gold", "Platinum"]
    );
}

#[tokio::test]
async fn every_tier_rule_is_enforced() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let cases = [
        (
            json!({"name": "Dup", "minSpend": "2000000"}),
            "strictly increase",
        ),
        (
            json!({"name": "Zero", "minSpend": "0"}),
            "strictly increase",
        ),
        (json!({"name": "Neg", "minSpend": "-5"}), "negative"),
        (
            json!({"name": "Frac", "minSpend": "100.5"}),
            "VND has no decimals",
        ),
        (
            json!({"name": "gold", "minSpend": "7000000"}),
            "already exists",
        ),
        (json!({"name": "", "minSpend": "7000000"}), "1 to 60"),
        (
            json!({"name": "Cap", "minSpend": "7000000", "discountCap": "10000"}),
            "0 % discount",
        ),
        (
            json!({"name": "Cap0", "minSpend": "7000000", "discountPercent": "0", "discountCap": "1"}),
            "0 % discount",
        ),
        (
            json!({"name": "Pct", "minSpend": "7000000", "discountPercent": "101"}),
            "between 0 and 100",
        ),
        (
            json!({"name": "Mul", "minSpend": "7000000", "pointMultiplier": "-1"}),
            "between 0 and 100",
        ),
    ];
    for (input, says) in cases {
        let res = app.gql(Some(&admin), CREATE, json!({"i": input})).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert!(res.message().contains(says), "{input}: {}", res.message());
    }
    assert_eq!(tiers(&app, &admin).await.len(), 4, "nothing was written");
}

#[tokio::test]
async fn the_initial_tier_keeps_threshold_zero_and_cannot_be_deleted() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let member = id_of(&app, &admin, "Member").await;
    let res = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({"id": member, "i": {"name": "Member", "minSpend": "1"}}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(res.message().contains("fixed at 0"));
    // Renaming it and giving it a discount is fine.
    let res = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({"id": member, "i": {"name": "Thành viên", "minSpend": "0", "discountPercent": "1"}}),
        )
        .await;
    assert_eq!(res.data()["updateTier"]["name"], "Thành viên");
    let del = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deleteTier(id: $id) }",
            json!({"id": member}),
        )
        .await;
    assert_eq!(del.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn update_keeps_thresholds_increasing_and_caps_consistent() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let gold = id_of(&app, &admin, "Gold").await;
    // Moving Gold onto Platinum's threshold is refused; below Silver re-ranks it.
    let res = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({"id": gold, "i": {"name": "Gold", "minSpend": "10000000"}}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    let res = app
        .gql(Some(&admin), UPDATE, json!({"id": gold, "i": {"name": "Gold", "minSpend": "1500000", "discountPercent": "5", "discountCap": "100000"}}))
        .await;
    assert_eq!(res.data()["updateTier"]["rank"], 2);
    // Dropping the percent to 0 while the cap stays is refused; removing the cap with null works.
    let res = app
        .gql(Some(&admin), UPDATE, json!({"id": gold, "i": {"name": "Gold", "minSpend": "1500000", "discountPercent": "0"}}))
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    let res = app
        .gql(Some(&admin), UPDATE, json!({"id": gold, "i": {"name": "Gold", "minSpend": "1500000", "discountPercent": "0", "discountCap": null}}))
        .await;
    assert!(res.data()["updateTier"]["discountCap"].is_null());
    // Unknown ids.
    let res = app
        .gql(Some(&admin), UPDATE, json!({"id": "0190f3a1-0000-7000-8000-000000000000", "i": {"name": "X", "minSpend": "1"}}))
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    let res = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({"id": "not-an-id", "i": {"name": "X", "minSpend": "1"}}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_tier_with_members_cannot_be_deleted_an_empty_one_can() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.gql(
        Some(&admin),
        "mutation { activateProgram(mode: INITIAL_TIER) { status } }",
        json!({}),
    )
    .await
    .data();
    app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    // Until orders land through the ledger, give c1 spend directly; any tier change
    // re-ranks members, so re-saving Silver moves c1 there.
    app.ctx
        .db
        .execute_unprepared("UPDATE members SET ranking_spend = 3000000")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let silver = id_of(&app, &admin, "Silver").await;
    app.gql(
        Some(&admin),
        UPDATE,
        json!({"id": silver, "i": {"name": "Silver", "minSpend": "2000000"}}),
    )
    .await
    .data();
    let res = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"c1\") { tier { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.data()["member"]["tier"]["name"], "Silver");

    let del = "mutation($id: ID!) { deleteTier(id: $id) }";
    let res = app.gql(Some(&admin), del, json!({"id": silver})).await;
    assert_eq!(res.code(), "CONFLICT");
    assert!(res.message().contains("1 members"));
    let platinum = id_of(&app, &admin, "Platinum").await;
    assert_eq!(
        app.gql(Some(&admin), del, json!({"id": platinum}))
            .await
            .data()["deleteTier"],
        true
    );
    let counts: Vec<(Value, Value)> = tiers(&app, &admin)
        .await
        .iter()
        .map(|t| (t["name"].clone(), t["memberCount"].clone()))
        .collect();
    assert_eq!(
        counts,
        vec![
            (json!("Member"), json!(0)),
            (json!("Silver"), json!(1)),
            (json!("Gold"), json!(0)),
        ]
    );
}
