//! What an ADMIN sees of its keys (a prefix, when each was last used) and how a
//! revocation reaches every replica.
use loyalty_tests::{spawn_app, str_at};
use serde_json::json;
use std::time::Duration;

const LIST: &str = "{ apiKeys { id prefix lastUsedAt } }";

/// The listed key `id`'s (prefix, lastUsedAt).
async fn listed(app: &loyalty_tests::TestApp, admin: &str, id: &str) -> (String, Option<String>) {
    let r = app.gql(Some(admin), LIST, json!({})).await;
    let keys = r.data()["apiKeys"].as_array().cloned().unwrap_or_default();
    let key = keys
        .iter()
        .find(|k| k["id"] == json!(id))
        .unwrap_or_else(|| panic!("key {id} not listed: {keys:?}"));
    (
        key["prefix"].as_str().unwrap_or_default().to_owned(),
        key["lastUsedAt"].as_str().map(str::to_owned),
    )
}

#[tokio::test]
async fn a_key_shows_its_prefix_and_its_last_use_to_the_minute() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let r = app
        .gql(
            Some(&admin),
            "mutation { createApiKey(role: READ, name: \"till\") { id key } }",
            json!({}),
        )
        .await;
    let (id, key) = (
        str_at(r.data(), "/createApiKey/id"),
        str_at(r.data(), "/createApiKey/key"),
    );
    let (prefix, used) = listed(&app, &admin, &id).await;
    let shown = prefix.trim_end_matches('…');
    assert!(key.starts_with(shown), "{prefix} is not how {key} begins");
    assert!(
        shown.len() + 40 < key.len(),
        "{prefix} shows too much of the secret"
    );
    assert_eq!(used, None, "never used yet");

    let read = "{ program { status } }";
    app.gql(Some(&key), read, json!({})).await.data();
    let (_, first) = listed(&app, &admin, &id).await;
    let first = first.unwrap_or_else(|| panic!("the use was not noted"));

    // Within the minute, further uses write nothing.
    app.advance(chrono::TimeDelta::seconds(50));
    app.gql(Some(&key), read, json!({})).await.data();
    assert_eq!(listed(&app, &admin, &id).await.1.as_ref(), Some(&first));

    // A minute on, the next use is noted.
    app.advance(chrono::TimeDelta::seconds(20));
    app.gql(Some(&key), read, json!({})).await.data();
    let later = listed(&app, &admin, &id).await.1;
    assert!(
        later.as_ref().is_some_and(|l| *l > first),
        "{later:?} after {first}"
    );
}

#[tokio::test]
async fn a_revoked_key_stops_at_once_here_and_within_the_key_cache_time_elsewhere() {
    let a = spawn_app().await;
    let b = a.replica_keeping_keys(1_000).await;
    let (_, admin) = a.create_shop("A").await;
    let r = a
        .gql(
            Some(&admin),
            "mutation { createApiKey(role: READ) { id key } }",
            json!({}),
        )
        .await;
    let (id, key) = (
        str_at(r.data(), "/createApiKey/id"),
        str_at(r.data(), "/createApiKey/key"),
    );
    let read = "{ program { status } }";
    // Both replicas have authenticated (and cached) the key.
    a.gql(Some(&key), read, json!({})).await.data();
    b.gql(Some(&key), read, json!({})).await.data();

    let r = a
        .gql(
            Some(&admin),
            "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
            json!({"id": id}),
        )
        .await;
    assert!(r.data()["revokeApiKey"]["revokedAt"].is_string());
    assert_eq!(
        a.gql(Some(&key), read, json!({})).await.code(),
        "UNAUTHENTICATED",
        "the replica that revoked it refuses it at once"
    );
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_eq!(
        b.gql(Some(&key), read, json!({})).await.code(),
        "UNAUTHENTICATED",
        "the other replica refuses it once its cached entry is older than LOYALTY_KEY_CACHE_MS"
    );
}
