//! Bad requests get clear errors with codes; limits hold.
use loyalty_api::config::Limits;
use loyalty_tests::{spawn_app, spawn_app_with};
use serde_json::json;

#[tokio::test]
async fn malformed_bodies_get_a_coded_error() {
    let app = spawn_app().await;
    for body in [
        b"not json".to_vec(),
        vec![0xff, 0xfe, 0x00],
        b"{\"query\": 5}".to_vec(),
    ] {
        let res = app.post_raw(None, body).await;
        assert_eq!(res.status, 400);
        assert_eq!(res.code(), "BAD_USER_INPUT");
    }
}

#[tokio::test]
async fn parse_and_validation_errors_get_a_code() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    for q in [
        "{ tiers { nope } }",
        "{ tiers ",
        "{ members(first: \"x\") { totalCount } }",
    ] {
        let res = app.gql(Some(&admin), q, json!({})).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{q}");
    }
    let res = app
        .gql(
            Some(&admin),
            "mutation($i: TierInput!) { createTier(input: $i) { id } }",
            json!({"i": {"name": "X", "minSpend": 1.5}}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn deep_and_complex_queries_hit_limits() {
    let app = spawn_app_with(Limits {
        max_query_depth: 4,
        max_query_complexity: 50,
        ..Limits::default()
    })
    .await;
    let (_, admin) = app.create_shop("A").await;
    let deep = "{ program { tiers { name } } members { edges { node { tier { name } } } } }";
    assert_eq!(
        app.gql(Some(&admin), deep, json!({})).await.code(),
        "LIMIT_EXCEEDED"
    );
    let wide = "{ members(first: 100) { edges { node { id name phone email } } } }";
    assert_eq!(
        app.gql(Some(&admin), wide, json!({})).await.code(),
        "LIMIT_EXCEEDED"
    );
}

#[tokio::test]
async fn health_checks_the_database() {
    let app = spawn_app().await;
    let res = reqwest::get(format!("{}/healthz", app.url))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 200);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let res = client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(id.len(), 36, "a generated UUID");
    let res = client
        .get(format!("{}/healthz", app.url))
        .header("x-request-id", "partner-trace-42")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("partner-trace-42")
    );
}

#[tokio::test]
async fn graphql_response_media_type_is_negotiated() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let post = |query: &'static str, accept: &'static str| {
        let (url, key) = (app.url.clone(), admin.clone());
        async move {
            reqwest::Client::new()
                .post(format!("{url}/graphql"))
                .bearer_auth(key)
                .header("accept", accept)
                .json(&json!({"query": query}))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let modern = "application/graphql-response+json, application/json;q=0.9";
    let ok = post("{ tiers { name } }", modern).await;
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(
        ok.headers()["content-type"],
        "application/graphql-response+json"
    );
    let bad = post("{ tiers { nope } }", modern).await;
    assert_eq!(bad.status().as_u16(), 400, "a request that cannot execute");
    let legacy = post("{ tiers { nope } }", "application/json").await;
    assert_eq!(legacy.status().as_u16(), 200);
    assert_eq!(legacy.headers()["content-type"], "application/json");
    // Field errors still answer 200: the request executed.
    let unauth = reqwest::Client::new()
        .post(format!("{}/graphql", app.url))
        .header("accept", modern)
        .json(&json!({"query": "{ tiers { name } }"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unauth.status().as_u16(), 200);
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let client = reqwest::Client::new();
    let get = |q: &str| {
        client
            .get(format!("{}/graphql", app.url))
            .bearer_auth(&admin)
            .query(&[("query", q)])
            .send()
    };
    let res = get("{ tiers { name } }")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 200);
    let v: serde_json::Value = res.json().await.unwrap_or_default();
    assert_eq!(v["data"]["tiers"][0]["name"], "Member");
    let res = get("mutation { createApiKey(role: READ) { key } }")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status().as_u16(), 405);
    let page = client
        .get(format!("{}/graphql", app.url))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        page.text().await.unwrap_or_default().contains("graphiql"),
        "GraphiQL without a query"
    );
}

#[tokio::test]
async fn only_json_bodies_are_graphql_requests() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    for content_type in [None, Some("text/plain;charset=UTF-8")] {
        let mut req = client
            .post(format!("{}/graphql", app.url))
            .body("{\"query\": \"{ __typename }\"}");
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status().as_u16(), 415, "{content_type:?}");
        let v: serde_json::Value = res.json().await.unwrap_or_default();
        assert_eq!(v["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    // A request that cannot execute has no data entry in the GraphQL response media type.
    let res = client
        .post(format!("{}/graphql", app.url))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": "{"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let v: serde_json::Value = res.json().await.unwrap_or_default();
    assert!(v.get("data").is_none(), "{v}");
}
