//! Shops, keys, roles and isolation between shops.
use loyalty_tests::{OPERATOR_TOKEN, spawn_app, str_at};
use serde_json::json;

#[tokio::test]
async fn operator_creates_a_shop_with_an_admin_key_and_default_program() {
    let app = spawn_app().await;
    let (shop_id, admin) = app.create_shop("Cửa hàng An").await;
    assert!(!shop_id.is_empty());
    assert!(admin.starts_with("lk_"));
    let res = app
        .gql(
            Some(&admin),
            "{ program { status spendPerRankingPoint rewardRatePercent pointsPerThousandVnd pendingHours tiers { name rank minSpend minRankingPoints } } }",
            json!({}),
        )
        .await;
    let p = &res.data()["program"];
    assert_eq!(p["status"], "DRAFT");
    assert_eq!(p["spendPerRankingPoint"], "1");
    assert_eq!(p["rewardRatePercent"], "100");
    // 1 VND of spend per ranking point at 100 %: a point is worth 1 VND.
    assert_eq!(p["pointsPerThousandVnd"], 1000);
    let tiers: Vec<(String, String)> = p["tiers"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|t| (str_at(t, "/name"), str_at(t, "/minSpend")))
        .collect();
    assert_eq!(
        tiers,
        vec![
            ("Member".into(), "0".into()),
            ("Silver".into(), "2000000".into()),
            ("Gold".into(), "5000000".into()),
            ("Platinum".into(), "10000000".into()),
        ]
    );
}

#[tokio::test]
async fn create_shop_needs_the_operator_token() {
    let app = spawn_app().await;
    let q = "mutation { createShop(name: \"X\") { shopId } }";
    assert_eq!(app.gql(None, q, json!({})).await.code(), "UNAUTHENTICATED");
    assert_eq!(
        app.gql(Some("wrong"), q, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
    let (_, admin) = app.create_shop("A").await;
    assert_eq!(
        app.gql(Some(&admin), q, json!({})).await.code(),
        "FORBIDDEN"
    );
    let bad_zone = app
        .gql(
            Some(OPERATOR_TOKEN),
            "mutation { createShop(name: \"X\", timeZone: \"Mars/Base\") { shopId } }",
            json!({}),
        )
        .await;
    assert_eq!(bad_zone.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn operator_token_cannot_act_inside_a_shop() {
    let app = spawn_app().await;
    let res = app
        .gql(Some(OPERATOR_TOKEN), "{ tiers { id } }", json!({}))
        .await;
    assert_eq!(res.code(), "FORBIDDEN");
}

#[tokio::test]
async fn missing_or_wrong_keys_are_unauthenticated() {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    assert_eq!(
        app.gql(None, "{ tiers { id } }", json!({})).await.code(),
        "UNAUTHENTICATED"
    );
    // Well-formed for the shop, but not a key we issued.
    let forged = format!("lk_{}_{}", shop.replace('-', ""), "0".repeat(64));
    assert_eq!(
        app.gql(Some(&forged), "{ tiers { id } }", json!({}))
            .await
            .code(),
        "UNAUTHENTICATED"
    );
    let tampered = format!("{}x", &admin[..admin.len() - 1]);
    assert_eq!(
        app.gql(Some(&tampered), "{ tiers { id } }", json!({}))
            .await
            .code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn roles_limit_what_keys_do() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let read = app.create_key(&admin, "READ").await;
    let channel = app.create_key(&admin, "CHANNEL").await;
    assert_ne!(read, channel);

    // READ reads but cannot mutate.
    app.gql(Some(&read), "{ tiers { id } }", json!({}))
        .await
        .data();
    let upsert = "mutation { upsertMember(input: {externalId: \"c1\"}) { id } }";
    assert_eq!(
        app.gql(Some(&read), upsert, json!({})).await.code(),
        "FORBIDDEN"
    );

    // CHANNEL pushes customers but cannot configure the program or make keys.
    app.gql(Some(&channel), upsert, json!({})).await.data();
    let configure = "mutation { configureProgram(input: {pendingHours: 2}) { pendingHours } }";
    assert_eq!(
        app.gql(Some(&channel), configure, json!({})).await.code(),
        "FORBIDDEN"
    );
    let tier = "mutation { createTier(input: {name: \"Diamond\", minSpend: \"20000000\"}) { id } }";
    assert_eq!(
        app.gql(Some(&channel), tier, json!({})).await.code(),
        "FORBIDDEN"
    );
    let key = "mutation { createApiKey(role: ADMIN) { key } }";
    assert_eq!(
        app.gql(Some(&channel), key, json!({})).await.code(),
        "FORBIDDEN"
    );

    // ADMIN does all of it.
    let res = app.gql(Some(&admin), configure, json!({})).await;
    assert_eq!(res.data()["configureProgram"]["pendingHours"], 2);
}

#[tokio::test]
async fn a_shop_never_sees_another_shops_members() {
    let app = spawn_app().await;
    let (_, admin_a) = app.create_shop("A").await;
    let (_, admin_b) = app.create_shop("B").await;
    let id = app
        .upsert_member(&admin_a, json!({"externalId": "c1", "name": "An"}))
        .await;

    let by_id = "query($id: ID!) { member(id: $id) { id name } }";
    let seen_by_a = app.gql(Some(&admin_a), by_id, json!({"id": id})).await;
    assert_eq!(seen_by_a.data()["member"]["name"], "An");
    let seen_by_b = app.gql(Some(&admin_b), by_id, json!({"id": id})).await;
    assert!(seen_by_b.data()["member"].is_null());

    let by_ext = "{ member(externalId: \"c1\") { id } }";
    assert!(app.gql(Some(&admin_b), by_ext, json!({})).await.data()["member"].is_null());
    let list = app
        .gql(
            Some(&admin_b),
            "{ members { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list.data()["members"]["totalCount"], 0);

    // B cannot register A's customer either: the id is not one of B's.
    let reg = app
        .gql(
            Some(&admin_b),
            "mutation($ids: [ID!]!) { registerMembers(ids: $ids) }",
            json!({"ids": [id]}),
        )
        .await;
    assert_eq!(reg.code(), "NOT_FOUND");
}

/// Orders are found by external id within their shop only: two shops may use the same
/// order id, and each refunds its own.
#[tokio::test]
async fn a_refund_finds_the_order_of_its_own_shop() {
    let app = spawn_app().await;
    let (_, admin_a) = app.create_shop("A").await;
    let (_, admin_b) = app.create_shop("B").await;
    app.order(&admin_a, "o1", "c1", 500_000, 0).await.data();
    assert_eq!(
        app.refund(&admin_b, "o1", "r1", 1_000).await.code(),
        "NOT_FOUND"
    );
    app.order(&admin_b, "o1", "c1", 200_000, 0).await.data();
    let b = app.refund(&admin_b, "o1", "r1", 200_000).await;
    assert_eq!(b.data()["refundOrder"]["refundedAmount"], "200000");
    let a = app.refund(&admin_a, "o1", "r1", 100_000).await;
    assert_eq!(a.data()["refundOrder"]["refundedAmount"], "100000");
}
