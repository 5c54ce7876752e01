//! A key the server could not check, because its database failed, is refused as
//! retryable (503, `Retry-After`, `INTERNAL`), never as `UNAUTHENTICATED`: partners treat
//! that as final and drop the orders they were sending.
use loyalty_tests::spawn_app;
use serde_json::{Value, json};

const QUERY: &str = "{ members { totalCount } }";

#[tokio::test]
async fn a_key_the_database_could_not_check_is_retryable_not_unauthenticated() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    // Created but never presented: this replica has not cached it.
    let channel = app.create_key(&admin, "CHANNEL").await;
    app.ctx
        .db
        .close_by_ref()
        .await
        .unwrap_or_else(|e| panic!("closing the pool: {e}"));

    let res = app
        .client
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .bearer_auth(&channel)
        .body(json!({"query": QUERY}).to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("request: {e}"));
    assert_eq!(res.status().as_u16(), 503);
    let retry_after = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u32>().ok());
    assert!(retry_after.is_some_and(|s| s >= 1), "{:?}", res.headers());
    let body: Value = serde_json::from_str(&res.text().await.unwrap_or_default())
        .unwrap_or_else(|e| panic!("not JSON: {e}"));
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INTERNAL",
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");

    // A key that cannot be one needs no lookup, and is refused as before.
    let res = app.gql(Some("not-a-key"), QUERY, json!({})).await;
    assert_eq!((res.status, res.code().as_str()), (200, "UNAUTHENTICATED"));
}
