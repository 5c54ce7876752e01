//! A member token from a browser (issue 27, section 1): the whole schema walked with a
//! member token, CORS for the shops' allowed origins, shop keys refused from web pages,
//! and the member rate limit.
use crate::member_wallet::session;
use loyalty_api::config::Limits;
use loyalty_tests::{Gql, TestApp, spawn_app, spawn_app_with, str_at};
use serde_json::{Value, json};

/// The fields a member token may call at the root and what they need to succeed.
const OWN: [&str; 4] = ["me", "myRewards", "widgetSettings", "redeemMyReward"];

const INTROSPECT: &str = "{ __schema { queryType { name } mutationType { name } types { name kind \
    fields { name args { name type { ...T } } type { ...T } } \
    inputFields { name type { ...T } } enumValues { name } } } } \
    fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// A minimal literal of an input type: required fields only, one element per list.
fn literal(ty: &Value, types: &[Value], id: &str) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => literal(&ty["ofType"], types, id),
        Some("LIST") => format!("[{}]", literal(&ty["ofType"], types, id)),
        _ => {
            let name = ty["name"].as_str().unwrap_or_default();
            let def = types
                .iter()
                .find(|t| t["name"] == name)
                .unwrap_or_else(|| panic!("no type {name}"));
            match def["kind"].as_str() {
                Some("ENUM") => str_at(def, "/enumValues/0/name"),
                Some("INPUT_OBJECT") => {
                    let fields: Vec<String> = def["inputFields"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .iter()
                        .filter(|f| f["type"]["kind"] == "NON_NULL")
                        .map(|f| {
                            format!("{}: {}", str_at(f, "/name"), literal(&f["type"], types, id))
                        })
                        .collect();
                    format!("{{{}}}", fields.join(", "))
                }
                _ => match name {
                    "ID" => format!("\"{id}\""),
                    "Int" => "1".into(),
                    "Float" => "1.0".into(),
                    "Boolean" => "true".into(),
                    "Decimal" => "\"1\"".into(),
                    "Date" => "\"2026-01-01\"".into(),
                    "DateTime" => "\"2026-01-01T00:00:00Z\"".into(),
                    "JSON" => "\"{}\"".into(),
                    _ => "\"x\"".into(),
                },
            }
        }
    }
}

/// The named type under NON_NULL and LIST wrappers.
fn named(ty: &Value) -> &Value {
    if ty["ofType"].is_object() {
        named(&ty["ofType"])
    } else {
        ty
    }
}

/// The root fields of `root` with minimal arguments and selections, as operations.
fn operations(schema: &Value, root: &str, keyword: &str, id: &str) -> Vec<(String, String)> {
    let types = schema["types"].as_array().cloned().unwrap_or_default();
    let root_type = types
        .iter()
        .find(|t| t["name"] == root)
        .unwrap_or_else(|| panic!("no {root}"));
    root_type["fields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let name = str_at(f, "/name");
            let args: Vec<String> = f["args"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter(|a| a["type"]["kind"] == "NON_NULL")
                .map(|a| {
                    format!(
                        "{}: {}",
                        str_at(a, "/name"),
                        literal(&a["type"], &types, id)
                    )
                })
                .collect();
            let args = if args.is_empty() {
                String::new()
            } else {
                format!("({})", args.join(", "))
            };
            let ty = named(&f["type"]);
            let kind = types
                .iter()
                .find(|t| t["name"] == ty["name"])
                .and_then(|t| t["kind"].as_str())
                .unwrap_or_default();
            let selection = if matches!(kind, "OBJECT" | "INTERFACE" | "UNION") {
                " { __typename }"
            } else {
                ""
            };
            (
                name.clone(),
                format!("{keyword} {{ {name}{args}{selection} }}"),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_member_token_reaches_its_own_wallet_and_nothing_else() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    app.order(&admin, "o-1", "c-1", 500_000, 0).await.data();
    app.order(&admin, "o-2", "c-2", 500_000, 0).await.data();
    let other = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"c-2\") { id } }",
            json!({}),
        )
        .await;
    let other_id = str_at(other.data(), "/member/id");
    let token = session(&app, &admin, "c-1").await;

    let schema = app.gql(Some(&token), INTROSPECT, json!({})).await;
    let schema = schema.data()["__schema"].clone();
    let mut walked = 0;
    for (root, keyword) in [("Query", "query"), ("Mutation", "mutation")] {
        for (field, op) in operations(&schema, root, keyword, &other_id) {
            let res = app.gql(Some(&token), &op, json!({})).await;
            walked += 1;
            if OWN.contains(&field.as_str()) {
                // Its own data, or its own input refused: never a refusal of the caller.
                let code = res.body["errors"][0]["extensions"]["code"].as_str();
                assert!(
                    !matches!(code, Some("FORBIDDEN" | "UNAUTHENTICATED")),
                    "{op}: {}",
                    res.body
                );
            } else {
                assert_eq!(res.code(), "FORBIDDEN", "{op}: {}", res.body);
                assert!(
                    res.body["data"].is_null() || res.body["data"][&field].is_null(),
                    "{op} gave data: {}",
                    res.body
                );
            }
        }
    }
    assert!(walked > 60, "the walk called {walked} root fields");

    // Nested fields that lead out of the wallet are refused too.
    app.gql(
        Some(&admin),
        "mutation { createOffer(input: {name: \"g\", discountKind: FIXED, value: \"1000\", targetKind: ORDER}) { id } }",
        json!({}),
    )
    .await
    .data();
    for query in [
        "{ me { tier { memberCount } } }",
        "{ me { vouchers { edges { node { member { id } } } } } }",
        "{ me { orders(first: 1) { edges { node { member { id externalId } } } } } }",
        "{ me { vouchers { edges { node { offer { report { issued } } } } } } }",
        "{ myRewards { offer { config } } }",
    ] {
        let res = app.gql(Some(&token), query, json!({})).await;
        if res.body["errors"].is_array() {
            assert_eq!(res.code(), "FORBIDDEN", "{query}: {}", res.body);
        }
        assert!(
            !res.body.to_string().contains(&other_id),
            "{query} reached another member: {}",
            res.body
        );
    }
    let res = app
        .gql(Some(&token), "{ me { tier { memberCount } } }", json!({}))
        .await;
    assert_eq!(res.code(), "FORBIDDEN");
    let res = app
        .gql(
            Some(&token),
            "{ me { orders(first: 1) { edges { node { externalId member { id } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "FORBIDDEN");
    let node = &res.body["data"]["me"]["orders"]["edges"][0]["node"];
    assert_eq!(
        (node["externalId"].as_str(), &node["member"]),
        (Some("o-1"), &Value::Null)
    );
    // The member's own order shows without the member field.
    let res = app
        .gql(
            Some(&token),
            "{ me { orders(first: 1) { edges { node { externalId } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        str_at(res.data(), "/me/orders/edges/0/node/externalId"),
        "o-1"
    );
}

async fn configure(app: &TestApp, admin: &str, origins: Value) -> Gql {
    app.gql(
        Some(admin),
        "mutation($i: WidgetInput!) { configureWidget(input: $i) { allowedOrigins theme { primaryColor position title } } }",
        json!({"i": {"allowedOrigins": origins, "theme": {"primaryColor": "#C0FFEE", "position": "BOTTOM_LEFT", "title": "Ví thành viên"}}}),
    )
    .await
}

/// Sends `query` from a page on `origin` with `key`; returns the status, the
/// `Access-Control-Allow-Origin` header and the body.
async fn from_page(
    app: &TestApp,
    origin: &str,
    key: &str,
    query: &str,
) -> (u16, Option<String>, Value) {
    let res = app
        .client
        .post(format!("{}/graphql", app.url))
        .header("origin", origin)
        .header("content-type", "application/json")
        .bearer_auth(key)
        .body(json!({"query": query}).to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("request: {e}"));
    let allow = res
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, allow, body)
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.url))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("preflight: {e}"))
}

#[tokio::test]
async fn browsers_call_from_the_shops_origins_with_member_tokens_only() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    app.order(&admin, "o-1", "c-1", 100_000, 0).await.data();
    let (_, admin_b) = app.create_shop("B").await;
    app.activate(&admin_b, json!({}), "INITIAL_TIER").await;
    app.order(&admin_b, "b-1", "c-9", 100_000, 0).await.data();
    let site = "https://shop-a.example";

    // Origins are checked, bounded and kept in canonical form.
    for bad in [
        json!(["shop-a.example"]),
        json!(["https://a.example/path"]),
        json!(["ftp://a.example"]),
    ] {
        let res = configure(&app, &admin, bad).await;
        assert_eq!(res.code(), "BAD_USER_INPUT");
        assert_eq!(
            res.body["errors"][0]["extensions"]["field"],
            "allowedOrigins"
        );
    }
    let many: Vec<String> = (0..21).map(|i| format!("https://s{i}.example")).collect();
    assert_eq!(
        configure(&app, &admin, json!(many)).await.code(),
        "BAD_USER_INPUT"
    );
    let read = app.create_key(&admin, "READ").await;
    assert_eq!(
        configure(&app, &read, json!([site])).await.code(),
        "FORBIDDEN"
    );
    let set = configure(
        &app,
        &admin,
        json!(["HTTPS://Shop-A.example/", "http://localhost:9999"]),
    )
    .await;
    assert_eq!(
        set.data()["configureWidget"]["allowedOrigins"],
        json!([site, "http://localhost:9999"])
    );
    assert_eq!(
        set.data()["configureWidget"]["theme"]["primaryColor"],
        "#c0ffee"
    );

    // A preflight from an allowed origin is answered; from another it is refused.
    let ok = preflight(&app, site).await;
    assert_eq!(ok.status().as_u16(), 204);
    let header = |r: &reqwest::Response, h: &str| {
        r.headers()
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        header(&ok, "access-control-allow-origin").as_deref(),
        Some(site)
    );
    let allowed = header(&ok, "access-control-allow-headers").unwrap_or_default();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));
    let evil = preflight(&app, "https://evil.example").await;
    assert_eq!(evil.status().as_u16(), 403);
    assert_eq!(header(&evil, "access-control-allow-origin"), None);

    // The member's token from the shop's page reads the wallet and the theme.
    let token = session(&app, &admin, "c-1").await;
    let (status, allow, body) = from_page(
        &app,
        site,
        &token,
        "{ me { externalId } widgetSettings { theme { title position } } }",
    )
    .await;
    assert_eq!((status, allow.as_deref()), (200, Some(site)), "{body}");
    assert_eq!(body["data"]["me"]["externalId"], "c-1");
    assert_eq!(
        body["data"]["widgetSettings"]["theme"]["position"],
        "BOTTOM_LEFT"
    );

    // Shop keys and the operator token are refused from a page, readable by it.
    for key in [admin.as_str(), loyalty_tests::OPERATOR_TOKEN] {
        let (status, allow, body) = from_page(&app, site, key, "{ program { status } }").await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(allow.as_deref(), Some(site));
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
    // A member token of a shop that does not allow the origin is refused.
    let token_b = session(&app, &admin_b, "c-9").await;
    let (status, _, body) = from_page(&app, site, &token_b, "{ me { id } }").await;
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // From an origin no shop allows, the page cannot read the answer.
    let (status, allow, _) = from_page(&app, "https://evil.example", &token, "{ me { id } }").await;
    assert_eq!((status, allow), (403, None));
    // An expired session is readable by the page, so the widget can ask to sign in again.
    app.advance(chrono::Duration::hours(2));
    let (status, allow, body) = from_page(&app, site, &token, "{ me { id } }").await;
    assert_eq!((status, allow.as_deref()), (200, Some(site)));
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    // Without an Origin (a backend), or from this server's own page (GraphiQL), shop
    // keys work as ever.
    app.gql(Some(&admin), "{ program { status } }", json!({}))
        .await
        .data();
    let own = app.url.clone();
    let (status, _, body) = from_page(&app, &own, &admin, "{ program { status } }").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    // Other shops' keys read their own settings, and nothing of other shops.
    let res = app
        .gql(
            Some(&admin_b),
            "{ widgetSettings { allowedOrigins } }",
            json!({}),
        )
        .await;
    assert_eq!(res.data()["widgetSettings"]["allowedOrigins"], json!([]));
}

#[tokio::test]
async fn a_member_token_or_address_over_its_rate_gets_429() {
    let app = spawn_app_with(Limits {
        member_rate_per_min: 5,
        ..Limits::default()
    })
    .await;
    let admin = app.active_shop().await;
    app.order(&admin, "o-1", "c-1", 100_000, 0).await.data();
    app.order(&admin, "o-2", "c-2", 100_000, 0).await.data();
    let token = session(&app, &admin, "c-1").await;
    for _ in 0..5 {
        let res = app.gql(Some(&token), "{ me { id } }", json!({})).await;
        assert_eq!(res.status, 200);
        res.data();
    }
    let res = app
        .client
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .bearer_auth(&token)
        .body(json!({"query": "{ me { id } }"}).to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("request: {e}"));
    assert_eq!(res.status().as_u16(), 429);
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert!(retry.is_some_and(|s| (1..=60).contains(&s)), "{retry:?}");
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    // Another member's token from the same address is over the address's quota.
    let other = session(&app, &admin, "c-2").await;
    assert_eq!(
        app.gql(Some(&other), "{ me { id } }", json!({}))
            .await
            .status,
        429
    );
    // Made-up member tokens count too, so guessing is limited as well.
    let guess = format!("lm_{}_{}", uuid::Uuid::now_v7().simple(), "a".repeat(64));
    assert_eq!(
        app.gql(Some(&guess), "{ me { id } }", json!({}))
            .await
            .status,
        429
    );
    // Shop keys are not limited here.
    for _ in 0..10 {
        app.gql(Some(&admin), "{ program { status } }", json!({}))
            .await
            .data();
    }
}
