//! A shop holds at most `LOYALTY_MAX_KEYS_PER_SHOP` active API keys; revoking one frees
//! a place.
use loyalty_api::config::Limits;
use loyalty_tests::{spawn_app_with, str_at};
use serde_json::json;

const CREATE_KEY: &str = "mutation { createApiKey(role: READ) { id key role } }";

#[tokio::test]
async fn an_admin_cannot_hold_more_keys_than_the_cap() {
    let app = spawn_app_with(Limits {
        max_keys_per_shop: 3,
        ..Limits::default()
    })
    .await;
    let (_, admin) = app.create_shop("A").await;
    let (_, other) = app.create_shop("B").await;
    // The shop's first ADMIN key counts: two more fit.
    for _ in 0..2 {
        let r = app.gql(Some(&admin), CREATE_KEY, json!({})).await;
        assert_eq!(r.data()["createApiKey"]["role"], json!("READ"));
    }
    let r = app.gql(Some(&admin), CREATE_KEY, json!({})).await;
    assert_eq!(r.code(), "LIMIT_EXCEEDED", "{}", r.body);
    assert!(
        r.message().contains("at most 3 active API keys"),
        "{}",
        r.message()
    );
    // Another shop has its own count.
    let r = app.gql(Some(&other), CREATE_KEY, json!({})).await;
    assert_eq!(r.data()["createApiKey"]["role"], json!("READ"));
}

#[tokio::test]
async fn concurrent_creations_cannot_pass_the_cap_together() {
    let app = spawn_app_with(Limits {
        max_keys_per_shop: 4,
        ..Limits::default()
    })
    .await;
    let (_, admin) = app.create_shop("A").await;
    let codes = app
        .race(&admin, CREATE_KEY, (0..10).map(|_| json!({})).collect())
        .await;
    assert_eq!(codes.iter().filter(|c| *c == "OK").count(), 3, "{codes:?}");
    assert!(
        codes.iter().all(|c| c == "OK" || c == "LIMIT_EXCEEDED"),
        "{codes:?}"
    );
}

#[tokio::test]
async fn revoking_a_key_frees_a_place_and_the_last_admin_key_stays() {
    let app = spawn_app_with(Limits {
        max_keys_per_shop: 2,
        ..Limits::default()
    })
    .await;
    let (_, admin) = app.create_shop("A").await;
    let (_, other) = app.create_shop("B").await;
    let r = app.gql(Some(&admin), CREATE_KEY, json!({})).await;
    let (read_id, read) = (
        str_at(r.data(), "/createApiKey/id"),
        str_at(r.data(), "/createApiKey/key"),
    );
    let r = app.gql(Some(&admin), CREATE_KEY, json!({})).await;
    assert_eq!(r.code(), "LIMIT_EXCEEDED");

    let list = "{ apiKeys { id role name revokedAt } }";
    let r = app.gql(Some(&admin), list, json!({})).await;
    let keys = r.data()["apiKeys"].as_array().cloned().unwrap_or_default();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(keys[0]["role"], json!("ADMIN"));
    assert_eq!(keys[1]["id"], json!(read_id));
    let admin_id = keys[0]["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        app.gql(Some(&read), list, json!({})).await.code(),
        "FORBIDDEN"
    );

    let revoke = "mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }";
    // Another shop's ADMIN cannot touch it; nor may the shop lose its last ADMIN key.
    let r = app.gql(Some(&other), revoke, json!({"id": read_id})).await;
    assert_eq!(r.code(), "NOT_FOUND");
    let r = app.gql(Some(&admin), revoke, json!({"id": admin_id})).await;
    assert_eq!(r.code(), "CONFLICT");
    let r = app.gql(Some(&admin), revoke, json!({"id": read_id})).await;
    assert!(
        r.data()["revokeApiKey"]["revokedAt"].is_string(),
        "{}",
        r.body
    );
    // The revoked key stops working at once on this replica, and its place is free.
    let r = app
        .gql(Some(&read), "{ messagingBalance { balance } }", json!({}))
        .await;
    assert_eq!(r.code(), "UNAUTHENTICATED");
    let r = app.gql(Some(&admin), list, json!({})).await;
    assert_eq!(r.data()["apiKeys"].as_array().map(Vec::len), Some(1));
    let r = app.gql(Some(&admin), CREATE_KEY, json!({})).await;
    assert_eq!(r.data()["createApiKey"]["role"], json!("READ"));
}
