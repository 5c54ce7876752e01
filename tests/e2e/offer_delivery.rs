//! Offers that reach a checkout without a personal voucher (issue 28): automatic offers,
//! public codes, and their limits (budget, per-customer limit, cap), over HTTP on either
//! database. The budget is raced by concurrent orders: on PostgreSQL they run on the
//! batched path, which hands every order that counts against a limit to the locked one.
use loyalty_tests::{TestApp, spawn_app, str_at};
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: OfferInput!) { createOffer(input: $i) { id delivery code priority exclusive budget { uses discount } perCustomerLimit maxDiscount } }";
const QUOTE: &str = "mutation($i: QuoteInput!) { quote(input: $i) { discounts { source label amount } skipped { source reason } discountTotal } }";
const ORDER: &str =
    "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId discountTotal paid } }";

fn offer(name: &str, percent: &str, extra: Value) -> Value {
    let mut input = json!({"name": name, "discountKind": "PERCENT", "value": percent,
        "targetKind": "ORDER"});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        input[k] = v;
    }
    input
}

async fn create(app: &TestApp, admin: &str, input: Value) -> Value {
    app.gql(Some(admin), CREATE, json!({"i": input}))
        .await
        .data()["createOffer"]
        .clone()
}

fn cart(customer: Option<&str>, amount: i64, codes: &[&str]) -> Value {
    json!({"memberExternalId": customer, "voucherCodes": codes,
        "lines": [{"productId": "sku", "quantity": 1, "unitPrice": amount.to_string()}]})
}

fn order(id: &str, customer: &str, amount: i64, codes: &[&str]) -> Value {
    let mut o = cart(Some(customer), amount, codes);
    o["externalId"] = json!(id);
    o["channel"] = json!("POS");
    o
}

async fn quote(app: &TestApp, key: &str, input: Value) -> Value {
    app.gql(Some(key), QUOTE, json!({"i": input})).await.data()["quote"].clone()
}

/// Sends every order at once from its own task; returns each response body.
async fn concurrently(app: &TestApp, key: &str, orders: Vec<Value>) -> Vec<Value> {
    let tasks: Vec<_> = orders
        .into_iter()
        .map(|o| {
            let (url, key) = (app.url.clone(), key.to_owned());
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(format!("{url}/graphql"))
                    .bearer_auth(key)
                    .json(&json!({"query": ORDER, "variables": {"i": o}}))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
                    .json::<Value>()
                    .await
                    .unwrap_or_default()
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap_or_else(|e| panic!("{e}")));
    }
    out
}

#[tokio::test]
async fn an_automatic_offer_applies_without_a_code_until_it_is_archived() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let created = create(
        &app,
        &admin,
        offer("Weekend 10%", "10", json!({"delivery": "AUTOMATIC"})),
    )
    .await;
    let id = str_at(&created, "/id");
    assert_eq!(created["delivery"], "AUTOMATIC");
    let q = quote(&app, &admin, cart(None, 200_000, &[])).await;
    assert_eq!(
        q["discounts"],
        json!([{"source": format!("OFFER:{id}"), "label": "Weekend 10%", "amount": "20000"}])
    );
    let o = app
        .gql(
            Some(&admin),
            ORDER,
            json!({"i": order("o1", "c1", 200_000, &[])}),
        )
        .await;
    assert_eq!(o.data()["recordOrder"]["discountTotal"], "20000");
    let archived = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { archiveOffer(id: $id) { active } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(archived.data()["archiveOffer"]["active"], false);
    // The same replica forgot its cached offers at the archive's commit.
    let q = quote(&app, &admin, cart(None, 200_000, &[])).await;
    assert_eq!(q["discountTotal"], "0");
    let o = app
        .gql(
            Some(&admin),
            ORDER,
            json!({"i": order("o2", "c1", 200_000, &[])}),
        )
        .await;
    assert_eq!(o.data()["recordOrder"]["discountTotal"], "0");
    let issued = app
        .gql(
            Some(&admin),
            "mutation($o: ID!) { issueVouchers(offerId: $o, memberIds: []) { code } }",
            json!({"o": id}),
        )
        .await;
    assert_eq!(issued.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_public_code_is_typed_like_a_voucher_by_anyone_and_names_one_offer() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let created = create(
        &app,
        &admin,
        offer(
            "Tết 2027",
            "5",
            json!({"delivery": "PUBLIC_CODE", "code": "tet-2027"}),
        ),
    )
    .await;
    assert_eq!(created["code"], "TET2027");
    let q = quote(&app, &admin, cart(Some("c1"), 100_000, &["Tet 2027"])).await;
    assert_eq!(
        q["discounts"],
        json!([{"source": "VOUCHER:TET2027", "label": "Tết 2027", "amount": "5000"}])
    );
    // Not used up by an order: the next customer types it too.
    for (id, who) in [("o1", "c1"), ("o2", "c2"), ("o3", "c1")] {
        let o = app
            .gql(
                Some(&admin),
                ORDER,
                json!({"i": order(id, who, 100_000, &["TET2027"])}),
            )
            .await;
        assert_eq!(o.data()["recordOrder"]["discountTotal"], "5000", "{id}");
    }
    for (input, code) in [
        (
            offer(
                "again",
                "5",
                json!({"delivery": "PUBLIC_CODE", "code": "TET 2027"}),
            ),
            "CONFLICT",
        ),
        (
            offer("no code", "5", json!({"delivery": "PUBLIC_CODE"})),
            "BAD_USER_INPUT",
        ),
        (
            offer(
                "code on automatic",
                "5",
                json!({"delivery": "AUTOMATIC", "code": "X123"}),
            ),
            "BAD_USER_INPUT",
        ),
        (
            offer(
                "long",
                "5",
                json!({"delivery": "PUBLIC_CODE", "code": "X".repeat(65)}),
            ),
            "BAD_USER_INPUT",
        ),
    ] {
        let res = app.gql(Some(&admin), CREATE, json!({"i": input})).await;
        assert_eq!(res.code(), code, "{}", res.message());
    }
}

#[tokio::test]
async fn a_budget_of_ten_uses_holds_under_fifty_concurrent_orders() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let auto = create(
        &app,
        &admin,
        offer(
            "First ten",
            "10",
            json!({"delivery": "AUTOMATIC", "budget": {"uses": 10}}),
        ),
    )
    .await;
    assert_eq!(auto["budget"], json!({"uses": 10, "discount": null}));
    let auto_id = str_at(&auto, "/id");
    let orders: Vec<Value> = (0..50)
        .map(|i| order(&format!("a{i}"), &format!("c{i}"), 100_000, &[]))
        .collect();
    let answers = concurrently(&app, &admin, orders).await;
    let discounted = answers
        .iter()
        .filter(|a| a["data"]["recordOrder"]["discountTotal"] == "10000")
        .count();
    let plain = answers
        .iter()
        .filter(|a| a["data"]["recordOrder"]["discountTotal"] == "0")
        .count();
    assert_eq!((discounted, plain), (10, 40), "{answers:?}");
    let q = quote(&app, &admin, cart(Some("c0"), 100_000, &[])).await;
    assert_eq!(q["discountTotal"], "0");
    assert_eq!(
        q["skipped"],
        json!([{"source": format!("OFFER:{auto_id}"),
            "reason": "this offer's budget of 10 uses is spent"}])
    );
    // A refund in full gives the use back.
    let first = answers
        .iter()
        .position(|a| a["data"]["recordOrder"]["discountTotal"] == "10000")
        .unwrap_or_default();
    let refunded = app.refund(&admin, &format!("a{first}"), "r1", 90_000).await;
    assert_eq!(refunded.data()["refundOrder"]["refundedAmount"], "90000");
    let q = quote(&app, &admin, cart(Some("c0"), 100_000, &[])).await;
    assert_eq!(q["discountTotal"], "10000");

    // A public code whose budget is spent is refused to an order presenting it.
    create(
        &app,
        &admin,
        offer(
            "Two only",
            "5",
            json!({"delivery": "PUBLIC_CODE", "code": "TWO", "budget": {"uses": 2},
                "priority": 1}),
        ),
    )
    .await;
    let orders: Vec<Value> = (0..10)
        .map(|i| order(&format!("p{i}"), &format!("d{i}"), 100_000, &["TWO"]))
        .collect();
    let answers = concurrently(&app, &admin, orders).await;
    let codes: Vec<&str> = answers
        .iter()
        .map(|a| {
            a["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("OK")
        })
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "OK").count(),
        2,
        "{answers:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == "CONFLICT").count(),
        8,
        "{answers:?}"
    );
    let q = quote(&app, &admin, cart(Some("d9"), 100_000, &["TWO"])).await;
    assert_eq!(
        q["skipped"][0],
        json!({"source": "VOUCHER:TWO", "reason": "this offer's budget of 2 uses is spent"})
    );
}

#[tokio::test]
async fn a_customer_limit_and_a_cap_bound_what_one_customer_gets() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    let created = create(
        &app,
        &admin,
        offer(
            "Half off once",
            "50",
            json!({"delivery": "AUTOMATIC", "perCustomerLimit": 1, "maxDiscount": "30000",
                "budget": {"discount": "50000"}}),
        ),
    )
    .await;
    assert_eq!(created["maxDiscount"], "30000");
    assert_eq!(created["perCustomerLimit"], 1);
    // 50 % of 100000 = 50000, capped at 30000.
    let o = app
        .gql(
            Some(&admin),
            ORDER,
            json!({"i": order("o1", "c1", 100_000, &[])}),
        )
        .await;
    assert_eq!(o.data()["recordOrder"]["discountTotal"], "30000");
    let q = quote(&app, &admin, cart(Some("c1"), 100_000, &[])).await;
    assert_eq!(q["discountTotal"], "0");
    assert_eq!(
        q["skipped"][0]["reason"],
        "this customer has used this offer 1 times, the most allowed"
    );
    // c2 would take 30000, but only 20000 of the 50000 budget is left.
    let q = quote(&app, &admin, cart(Some("c2"), 100_000, &[])).await;
    assert_eq!(q["discountTotal"], "0");
    assert_eq!(
        q["skipped"][0]["reason"],
        "only 20,000 VND of this offer's budget is left, this order would take 30,000 VND"
    );
    // 50 % of 40000 = 20000 fits exactly.
    let o = app
        .gql(
            Some(&admin),
            ORDER,
            json!({"i": order("o2", "c2", 40_000, &[])}),
        )
        .await;
    assert_eq!(o.data()["recordOrder"]["discountTotal"], "20000");
    for bad in [
        json!({"maxDiscount": "100", "discountKind": "FIXED", "value": "1000"}),
        json!({"perCustomerLimit": 0}),
        json!({"budget": {"uses": -1}}),
        json!({"priority": 1001}),
    ] {
        let res = app
            .gql(
                Some(&admin),
                CREATE,
                json!({"i": offer("bad", "10", bad.clone())}),
            )
            .await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{bad}");
    }
}
