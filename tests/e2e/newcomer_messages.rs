//! Errors a newcomer can act on: the key header in any case of its scheme and what to
//! send without one, enum and input-field hints, why a DRAFT program's orders earn
//! nothing, READ keys quoting, and totals that mean one thing on quotes and orders.
use loyalty_tests::{Gql, TestApp, spawn_app, str_at};
use serde_json::{Value, json};

async fn with_authorization(app: &TestApp, authorization: Option<&str>, query: &str) -> Gql {
    let mut req = app
        .client
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body(json!({ "query": query }).to_string());
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("request: {e}"));
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    Gql { status, body }
}

#[tokio::test]
async fn the_bearer_scheme_is_read_in_any_case() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let res = with_authorization(
            &app,
            Some(&format!("{scheme} {admin}")),
            "{ program { status } }",
        )
        .await;
        assert_eq!(res.data()["program"]["status"], "DRAFT", "{scheme}");
    }
}

#[tokio::test]
async fn a_request_without_a_key_says_which_header_to_send() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    for authorization in [
        None,
        Some(admin.as_str()),
        Some("Token abc"),
        Some("Bearer "),
    ] {
        let res = with_authorization(&app, authorization, "{ program { status } }").await;
        assert_eq!(res.code(), "UNAUTHENTICATED", "{authorization:?}");
        assert!(
            res.message().contains("Authorization: Bearer <key>"),
            "{authorization:?}: {}",
            res.message()
        );
    }
    let wrong = with_authorization(&app, Some("Bearer lk_nope"), "{ program { status } }").await;
    assert_eq!(wrong.code(), "UNAUTHENTICATED");
    assert!(
        wrong.message().contains("matches no active key"),
        "{}",
        wrong.message()
    );
}

#[tokio::test]
async fn a_wrong_enum_value_lists_the_valid_ones() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    // In a variable.
    let res = app
        .gql(
            Some(&admin),
            "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
            json!({"i": {"externalId": "o1", "memberExternalId": "c1", "channel": "SHOPEE",
                "lines": [{"productId": "p", "quantity": 1, "unitPrice": "1000"}]}}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    let message = res.message();
    assert!(message.contains("Channel is one of"), "{message}");
    for value in ["POS", "WEB", "LIVESTREAM"] {
        assert!(message.contains(value), "{message} lacks {value}");
    }
    // Written in the document, in the wrong case.
    let res = app
        .gql(
            Some(&admin),
            "mutation { createApiKey(role: read) { key } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(
        res.message()
            .contains("did you mean READ? Role is one of ADMIN, CHANNEL, READ"),
        "{}",
        res.message()
    );
}

#[tokio::test]
async fn an_unknown_input_field_suggests_the_nearest() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let res = app
        .gql(
            Some(&admin),
            "mutation($i: QuoteInput!) { quote(input: $i) { subtotal } }",
            json!({"i": {"memberExternalID": "c1",
                "lines": [{"productId": "p", "quantity": 1, "unitPrice": "1000"}]}}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(
        res.message().contains("did you mean \"memberExternalId\"?"),
        "{}",
        res.message()
    );
    let res = app
        .gql(
            Some(&admin),
            "mutation { quote(input: {lines: [{productId: \"p\", quantity: 1, unitPrice: \"1000\", alreadyDiscount: true}]}) { subtotal } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    assert!(
        res.message()
            .contains("did you mean \"alreadyDiscounted\"?"),
        "{}",
        res.message()
    );
}

const ORDER: &str = "mutation($i: OrderInput!) { recordOrder(input: $i) { pointsEarned skipped { source reason } } }";
const QUOTE: &str =
    "mutation($i: QuoteInput!) { quote(input: $i) { pointsToEarn skipped { source reason } } }";

fn draft_notes(skipped: &Value) -> Vec<String> {
    skipped
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|s| s["reason"].as_str().is_some_and(|r| r.contains("DRAFT")))
        .map(|s| format!("{}: {}", str_at(s, "/source"), str_at(s, "/reason")))
        .collect()
}

#[tokio::test]
async fn a_draft_program_says_why_its_orders_earn_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let lines = json!([{"productId": "p", "quantity": 1, "unitPrice": "300000"}]);
    let quote = app
        .gql(
            Some(&admin),
            QUOTE,
            json!({"i": {"memberExternalId": "c1", "lines": lines, "redeemPoints": 10}}),
        )
        .await;
    let quote = &quote.data()["quote"];
    assert_eq!(quote["pointsToEarn"], 0);
    let notes = draft_notes(&quote["skipped"]);
    assert_eq!(
        notes.len(),
        1,
        "said once for earning and redeeming: {notes:?}"
    );
    assert!(notes[0].starts_with("POINTS: "), "{notes:?}");
    assert!(notes[0].contains("activateProgram"), "{notes:?}");

    let order = app
        .gql(
            Some(&admin),
            ORDER,
            json!({"i": {"externalId": "o1", "memberExternalId": "c1", "channel": "POS", "lines": lines}}),
        )
        .await;
    let order = &order.data()["recordOrder"];
    assert_eq!(order["pointsEarned"], 0);
    assert_eq!(draft_notes(&order["skipped"]), notes);

    // Once active, orders earn and say nothing of the kind.
    app.activate(&admin, json!({}), "INITIAL_TIER").await;
    let order = app
        .gql(
            Some(&admin),
            ORDER,
            json!({"i": {"externalId": "o2", "memberExternalId": "c1", "channel": "POS", "lines": lines}}),
        )
        .await;
    let order = &order.data()["recordOrder"];
    assert_eq!(order["pointsEarned"], 300_000);
    assert_eq!(order["skipped"], json!([]));
}

#[tokio::test]
async fn read_keys_may_quote_but_not_record() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let read = app.create_key(&admin, "READ").await;
    let lines = json!([{"productId": "p", "quantity": 2, "unitPrice": "150000"}]);
    let quote = app
        .gql(
            Some(&read),
            "mutation($i: QuoteInput!) { quote(input: $i) { subtotal } }",
            json!({"i": {"lines": lines}}),
        )
        .await;
    assert_eq!(quote.data()["quote"]["subtotal"], "300000");
    let order = app
        .gql(
            Some(&read),
            ORDER,
            json!({"i": {"externalId": "o1", "memberExternalId": "c1", "channel": "POS", "lines": lines}}),
        )
        .await;
    assert_eq!(order.code(), "FORBIDDEN");
    assert!(
        order.message().contains("Requires: CHANNEL or ADMIN."),
        "{}",
        order.message()
    );
}

#[tokio::test]
async fn totals_mean_the_same_on_quotes_and_orders() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    // 1,000 VND per ranking point and a reward rate of 100 %: 500 points worth 500,000 VND.
    app.order(&admin, "o0", "c1", 500_000, 0).await.data();
    let cart = json!({"memberExternalId": "c1", "redeemPoints": 100,
        "lines": [{"productId": "p", "quantity": 1, "unitPrice": "300000"}]});
    let fields = "subtotal discountTotal totalBeforePoints pointsValue amountDue total";
    let quote = app
        .gql(
            Some(&admin),
            &format!("mutation($i: QuoteInput!) {{ quote(input: $i) {{ {fields} }} }}"),
            json!({"i": cart}),
        )
        .await;
    let quote = quote.data()["quote"].clone();
    let mut input = cart.clone();
    input["externalId"] = json!("o1");
    input["channel"] = json!("POS");
    let order = app
        .gql(
            Some(&admin),
            &format!("mutation($i: OrderInput!) {{ recordOrder(input: $i) {{ {fields} paid }} }}"),
            json!({"i": input}),
        )
        .await;
    let order = order.data()["recordOrder"].clone();
    let vnd = |v: &Value, f: &str| -> i64 {
        v[f].as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{f} in {v}"))
    };
    assert!(vnd(&quote, "pointsValue") > 0, "{quote}");
    for f in ["subtotal", "totalBeforePoints", "pointsValue", "amountDue"] {
        assert_eq!(quote[f], order[f], "{f}: quote {quote}, order {order}");
    }
    for v in [&quote, &order] {
        assert_eq!(
            vnd(v, "totalBeforePoints") - vnd(v, "pointsValue"),
            vnd(v, "amountDue"),
            "{v}"
        );
    }
    // The old names, as documented: the quote's total is after points, the order's before.
    assert_eq!(quote["total"], quote["amountDue"]);
    assert_eq!(order["total"], order["totalBeforePoints"]);
    assert_eq!(order["paid"], order["amountDue"]);
    // The order as read later says the same.
    let read = app
        .gql(
            Some(&admin),
            "{ order(externalId: \"o1\") { totalBeforePoints amountDue total paid } }",
            json!({}),
        )
        .await;
    let read = &read.data()["order"];
    assert_eq!(read["totalBeforePoints"], order["totalBeforePoints"]);
    assert_eq!(read["amountDue"], order["amountDue"]);
    // The schema marks the ambiguous one.
    let deprecated = app
        .gql(
            Some(&admin),
            "{ __type(name: \"Quote\") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }",
            json!({}),
        )
        .await;
    let fields = deprecated.data()["__type"]["fields"].clone();
    let total = fields
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == "total"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(total["isDeprecated"], true, "{fields}");
}
