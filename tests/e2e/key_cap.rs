//! A shop holds at most `LOYALTY_MAX_KEYS_PER_SHOP` active API keys.
use loyalty_api::config::Limits;
use loyalty_tests::spawn_app_with;
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
