//! A NUL character in any string a request carries is refused before the request runs,
//! with `BAD_USER_INPUT` and the field, the same on both databases (PostgreSQL cannot
//! store it; SQLite would).
use loyalty_tests::{Gql, TestApp, spawn_app};
use serde_json::{Value, json};

const UPSERT: &str = "mutation($m: MemberInput!) { upsertMember(input: $m) { id } }";

fn refused(res: &Gql, field: &str) {
    assert_eq!(res.code(), "BAD_USER_INPUT", "{}", res.body);
    assert_eq!(
        res.body["errors"][0]["extensions"]["field"], field,
        "{}",
        res.body
    );
    assert!(res.message().contains("NUL"), "{}", res.body);
    assert!(res.body["data"].is_null(), "nothing ran: {}", res.body);
}

async fn members(app: &TestApp, key: &str) -> Value {
    app.gql(
        Some(key),
        "{ members { totalCount edges { node { externalId name totalOrders } } } }",
        json!({}),
    )
    .await
    .data()["members"]
        .clone()
}

#[tokio::test]
async fn nul_in_member_input_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;

    let res = app
        .gql(
            Some(&admin),
            UPSERT,
            json!({"m": {"externalId": "c1", "name": "Lan\u{0}Anh"}}),
        )
        .await;
    refused(&res, "m.name");
    let res = app
        .gql(
            Some(&admin),
            r#"mutation { upsertMember(input: {externalId: "c\u0000", name: "Lan"}) { id } }"#,
            json!({}),
        )
        .await;
    refused(&res, "input.externalId");
    assert_eq!(members(&app, &admin).await["totalCount"], 0);

    // The same text without the NUL is a member.
    app.upsert_member(&admin, json!({"externalId": "c1", "name": "Lan Anh"}))
        .await;
    assert_eq!(members(&app, &admin).await["totalCount"], 1);
}

#[tokio::test]
async fn nul_in_a_filter_keyword_is_refused() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let res = app
        .gql(
            Some(&admin),
            "query($f: MemberFilter) { members(filter: $f) { totalCount } }",
            json!({"f": {"name": "lan\u{0}"}}),
        )
        .await;
    refused(&res, "f.name");
    let res = app
        .gql(
            Some(&admin),
            r#"{ members(filter: {province: "Hà Nội", email: "a\u0000@b.vn"}) { totalCount } }"#,
            json!({}),
        )
        .await;
    refused(&res, "filter.email");
}

#[tokio::test]
async fn nul_in_an_order_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    let order = |external_id: &str, product: &str| {
        json!({"i": {
            "externalId": external_id,
            "memberExternalId": "c1",
            "channel": "POS",
            "lines": [
                {"productId": "P1", "quantity": 1, "unitPrice": "100000"},
                {"productId": product, "quantity": 1, "unitPrice": "50000"},
            ],
        }})
    };
    let record = "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }";
    let res = app.gql(Some(&admin), record, order("o\u{0}1", "P2")).await;
    refused(&res, "i.externalId");
    let res = app.gql(Some(&admin), record, order("o1", "P\u{0}2")).await;
    refused(&res, "i.lines[1].productId");
    assert_eq!(
        members(&app, &admin).await["edges"][0]["node"]["totalOrders"],
        0
    );
    // The order without the NUL is recorded.
    app.gql(Some(&admin), record, order("o1", "P2"))
        .await
        .data();
    assert_eq!(
        members(&app, &admin).await["edges"][0]["node"]["totalOrders"],
        1
    );
}
