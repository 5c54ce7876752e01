//! The messaging balance is topped up by the operator only (a shop's own keys would add
//! money nobody paid); shops read their balance and the history of their top-ups.
use loyalty_tests::{OPERATOR_TOKEN, spawn_app, str_at};
use serde_json::json;

const TOP_UP: &str = "mutation($s: ID!, $a: Decimal!, $n: String) {
  topUpMessagingBalance(shopId: $s, amount: $a, note: $n) { balance prices { channel price } } }";

const HISTORY: &str = "query($first: Int, $after: String) {
  messagingBalance { balance }
  messagingTopUps(first: $first, after: $after) {
    edges { cursor node { id amount balanceAfter note createdAt } }
    pageInfo { hasNextPage endCursor } } }";

#[tokio::test]
async fn only_the_operator_tops_up_and_the_shop_reads_its_balance_and_history() {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    let (other_shop, other) = app.create_shop("B").await;
    let channel = app.create_key(&admin, "CHANNEL").await;
    let read = app.create_key(&admin, "READ").await;
    // The shop's own keys, ADMIN included, may not add money to its balance.
    for key in [&admin, &channel, &read] {
        let r = app
            .gql(Some(key), TOP_UP, json!({"s": shop, "a": "150000"}))
            .await;
        assert_eq!(r.code(), "FORBIDDEN", "{}", r.body);
        assert!(r.message().contains("operator"), "{}", r.message());
    }
    let r = app.gql(None, TOP_UP, json!({"s": shop, "a": "1"})).await;
    assert_eq!(r.code(), "UNAUTHENTICATED");
    let r = app.gql(Some(&read), HISTORY, json!({})).await;
    assert_eq!(r.data()["messagingBalance"]["balance"], json!("0"));
    assert_eq!(r.data()["messagingTopUps"]["edges"], json!([]));

    // The operator names the shop.
    let r = app
        .gql(
            Some(OPERATOR_TOKEN),
            TOP_UP,
            json!({"s": shop, "a": "150000", "n": "invoice 12"}),
        )
        .await;
    assert_eq!(
        r.data()["topUpMessagingBalance"],
        json!({"balance": "150000", "prices": [
            {"channel": "ZNS", "price": "300"}, {"channel": "EMAIL", "price": "20"},
            {"channel": "SMS", "price": "500"}]})
    );
    let r = app
        .gql(
            Some(OPERATOR_TOKEN),
            TOP_UP,
            json!({"s": shop, "a": "50000"}),
        )
        .await;
    assert_eq!(
        r.data()["topUpMessagingBalance"]["balance"],
        json!("200000")
    );
    for bad in ["0", "-5", "10.5", "1000000000000000"] {
        let r = app
            .gql(Some(OPERATOR_TOKEN), TOP_UP, json!({"s": shop, "a": bad}))
            .await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{bad}");
    }
    let r = app
        .gql(
            Some(OPERATOR_TOKEN),
            TOP_UP,
            json!({"s": "shop-a", "a": "1"}),
        )
        .await;
    assert_eq!(r.code(), "BAD_USER_INPUT");
    assert_eq!(r.body["errors"][0]["extensions"]["field"], json!("shopId"));
    let r = app
        .gql(
            Some(OPERATOR_TOKEN),
            TOP_UP,
            json!({"s": "0190a0a0-0000-7000-8000-000000000000", "a": "1"}),
        )
        .await;
    assert_eq!(r.code(), "NOT_FOUND");

    // Any key of the shop reads the balance and its top-ups, newest first, a page at a
    // time; refused top-ups left nothing.
    let r = app.gql(Some(&read), HISTORY, json!({"first": 1})).await;
    let data = r.data();
    assert_eq!(data["messagingBalance"]["balance"], json!("200000"));
    let first = &data["messagingTopUps"]["edges"][0]["node"];
    assert_eq!(first["amount"], json!("50000"));
    assert_eq!(first["balanceAfter"], json!("200000"));
    assert_eq!(first["note"], json!(null));
    assert_eq!(
        data["messagingTopUps"]["pageInfo"]["hasNextPage"],
        json!(true)
    );
    let after = str_at(data, "/messagingTopUps/pageInfo/endCursor");
    let r = app
        .gql(Some(&channel), HISTORY, json!({"first": 5, "after": after}))
        .await;
    let page = &r.data()["messagingTopUps"];
    assert_eq!(page["edges"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["edges"][0]["node"]["amount"], json!("150000"));
    assert_eq!(page["edges"][0]["node"]["balanceAfter"], json!("150000"));
    assert_eq!(page["edges"][0]["node"]["note"], json!("invoice 12"));
    assert_eq!(page["pageInfo"]["hasNextPage"], json!(false));

    // The other shop saw none of it.
    let r = app.gql(Some(&other), HISTORY, json!({})).await;
    assert_eq!(r.data()["messagingBalance"]["balance"], json!("0"));
    assert_eq!(r.data()["messagingTopUps"]["edges"], json!([]));
    let r = app
        .gql(
            Some(OPERATOR_TOKEN),
            TOP_UP,
            json!({"s": other_shop, "a": "7"}),
        )
        .await;
    assert_eq!(r.data()["topUpMessagingBalance"]["balance"], json!("7"));
    let r = app.gql(Some(&admin), HISTORY, json!({})).await;
    assert_eq!(r.data()["messagingBalance"]["balance"], json!("200000"));
    assert_eq!(
        r.data()["messagingTopUps"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

/// Pages of one, to the end; a cursor edited, or made for another list, is refused on
/// `after`.
#[tokio::test]
async fn top_ups_page_one_at_a_time_and_refuse_edited_cursors() {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    for amount in ["1000", "2000", "3000"] {
        app.gql(
            Some(OPERATOR_TOKEN),
            TOP_UP,
            json!({"s": shop, "a": amount}),
        )
        .await
        .data();
    }
    let (mut seen, mut after) = (Vec::new(), None::<String>);
    loop {
        let r = app
            .gql(Some(&admin), HISTORY, json!({"first": 1, "after": after}))
            .await;
        let page = &r.data()["messagingTopUps"];
        seen.push(str_at(page, "/edges/0/node/amount"));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = Some(str_at(page, "/pageInfo/endCursor"));
    }
    assert_eq!(seen, ["3000", "2000", "1000"], "newest first, each once");

    let r = app.gql(Some(&admin), HISTORY, json!({"first": 1})).await;
    let cursor = str_at(r.data(), "/messagingTopUps/pageInfo/endCursor");
    let mut edited = cursor.into_bytes();
    let at = edited.len() / 2;
    edited[at] = if edited[at] == b'x' { b'y' } else { b'x' };
    let edited = String::from_utf8(edited).unwrap_or_default();
    app.upsert_member(&admin, json!({"externalId": "c1"})).await;
    let other = app
        .gql(
            Some(&admin),
            "{ members(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let other = str_at(other.data(), "/members/pageInfo/endCursor");
    for bad in [edited, other] {
        let r = app
            .gql(Some(&admin), HISTORY, json!({"first": 1, "after": bad}))
            .await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.body);
        assert_eq!(r.body["errors"][0]["extensions"]["field"], "after");
    }
}
