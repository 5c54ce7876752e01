//! Cursors are signed and checked: an edited, forged or foreign `after` is
//! `BAD_USER_INPUT` on `after`, the same on both databases, and valid cursors page on.
use loyalty_api::graphql::connection::encode;
use loyalty_domain::members::MemberCursor;
use loyalty_tests::{Gql, TestApp, spawn_app, str_at};
use serde_json::{Value, json};

const MEMBERS_BY_NAME: &str = "query($a: String) { members(first: 1, after: $a, orderBy: {field: NAME}) { edges { node { name } } pageInfo { hasNextPage endCursor } } }";
const LEDGER: &str = "query($a: String) { member(externalId: \"c1\") { ledger(first: 1, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }";
const OFFERS: &str = "query($a: String) { offers(first: 1, after: $a) { edges { node { name } } pageInfo { hasNextPage endCursor } } }";

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding, as cursors are spelled.
fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn b64_decode(text: &str) -> Vec<u8> {
    let sextets: Vec<u32> = text
        .bytes()
        .map(|c| {
            ALPHABET
                .iter()
                .position(|a| *a == c)
                .map(|p| p as u32)
                .unwrap_or_else(|| panic!("not base64url: {text}"))
        })
        .collect();
    let mut out = Vec::new();
    for chunk in sextets.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, s)| n | (s << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// The JSON a cursor holds.
fn payload(cursor: &str) -> Value {
    serde_json::from_slice(&b64_decode(cursor)).unwrap_or_else(|e| panic!("{cursor}: {e}"))
}

fn cursor_of(payload: &Value) -> String {
    b64_encode(payload.to_string().as_bytes())
}

/// The cursor with one character changed.
fn flipped(cursor: &str, at: usize) -> String {
    let mut bytes = cursor.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
    String::from_utf8(bytes).unwrap_or_default()
}

fn refused(res: &Gql) {
    assert_eq!(res.code(), "BAD_USER_INPUT", "{}", res.body);
    assert_eq!(
        res.body["errors"][0]["extensions"]["field"], "after",
        "{}",
        res.body
    );
}

/// Every page of `query` from the start, one item each: the items at `items` and the
/// end cursor of each page.
async fn all_pages(app: &TestApp, key: &str, query: &str, at: &str) -> (Vec<Value>, Vec<String>) {
    let (mut items, mut cursors) = (Vec::new(), Vec::new());
    let mut after = Value::Null;
    loop {
        let res = app.gql(Some(key), query, json!({"a": after})).await;
        let conn = res.data().pointer(at).cloned().unwrap_or_default();
        items.extend(conn["edges"].as_array().cloned().unwrap_or_default());
        if conn["pageInfo"]["hasNextPage"] != true {
            return (items, cursors);
        }
        let end = str_at(&conn, "/pageInfo/endCursor");
        cursors.push(end.clone());
        after = json!(end);
        assert!(cursors.len() < 50, "paging does not end");
    }
}

/// Tries each edit of `cursor` on `query`: all are refused.
async fn edits_are_refused(app: &TestApp, key: &str, query: &str, cursor: &str, edited: Value) {
    for at in [0, cursor.len() / 2, cursor.len() - 1] {
        refused(
            &app.gql(Some(key), query, json!({"a": flipped(cursor, at)}))
                .await,
        );
    }
    // A payload edited and encoded again, its MAC kept.
    let mut forged = payload(cursor);
    forged["k"] = edited;
    refused(
        &app.gql(Some(key), query, json!({"a": cursor_of(&forged)}))
            .await,
    );
    // Cut short; not a cursor at all.
    refused(
        &app.gql(Some(key), query, json!({"a": &cursor[..cursor.len() - 4]}))
            .await,
    );
    refused(&app.gql(Some(key), query, json!({"a": "garbage"})).await);
}

#[tokio::test]
async fn member_cursors_page_by_name_and_refuse_edits() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    for (id, name) in [("c1", "Chi"), ("c2", "An"), ("c3", "Bình")] {
        app.upsert_member(&admin, json!({"externalId": id, "name": name}))
            .await;
    }
    let (items, cursors) = all_pages(&app, &admin, MEMBERS_BY_NAME, "/members").await;
    let names: Vec<&str> = items
        .iter()
        .filter_map(|e| e["node"]["name"].as_str())
        .collect();
    assert_eq!(names, ["An", "Bình", "Chi"]);
    let cursor = &cursors[0];

    // A key of another type (a count where the name order needs text).
    let mut key = payload(cursor)["k"].clone();
    key["key"] = json!({"Int": 5});
    edits_are_refused(&app, &admin, MEMBERS_BY_NAME, cursor, key).await;

    // Signed with the fallback secret (anyone can read it), a forged key is still
    // checked: text the name column cannot hold, a key of another order.
    let original = payload(cursor)["k"].clone();
    for bad in [json!({"Text": "a\u{0}"}), json!({"Int": 5}), json!("None")] {
        let mut forged = original.clone();
        forged["key"] = bad;
        let forged: MemberCursor = serde_json::from_value(forged).unwrap_or_else(|e| panic!("{e}"));
        refused(
            &app.gql(Some(&admin), MEMBERS_BY_NAME, json!({"a": encode(forged)}))
                .await,
        );
    }

    // A cursor of this list, given to another list or another order.
    let ledger = "query($a: String) { member(externalId: \"c1\") { ledger(after: $a) { edges { node { id } } } } }";
    refused(&app.gql(Some(&admin), ledger, json!({"a": cursor})).await);
    let by_spend =
        "query($a: String) { members(after: $a, orderBy: {field: TOTAL_SPENT}) { totalCount } }";
    refused(&app.gql(Some(&admin), by_spend, json!({"a": cursor})).await);
}

#[tokio::test]
async fn ledger_cursors_page_and_refuse_edits() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    for i in 0..3 {
        app.order(&admin, &format!("o{i}"), "c1", 100_000, 0)
            .await
            .data();
    }
    let (items, cursors) = all_pages(&app, &admin, LEDGER, "/member/ledger").await;
    let ids: Vec<&str> = items
        .iter()
        .filter_map(|e| e["node"]["id"].as_str())
        .collect();
    assert!(ids.len() >= 3, "{items:?}");
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no entry twice: {ids:?}");
    let mut edited = payload(&cursors[0])["k"].clone();
    edited["id"] = json!(uuid::Uuid::now_v7());
    edits_are_refused(&app, &admin, LEDGER, &cursors[0], edited).await;
    // A cursor of the ledger is no offer cursor, though both hold an id.
    refused(
        &app.gql(Some(&admin), OFFERS, json!({"a": cursors[0]}))
            .await,
    );
}

#[tokio::test]
async fn offer_cursors_page_and_refuse_edits() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    for name in ["first", "second", "third"] {
        app.gql(
            Some(&admin),
            "mutation($i: OfferInput!) { createOffer(input: $i) { id } }",
            json!({"i": {"name": name, "discountKind": "PERCENT", "value": "10", "targetKind": "ORDER"}}),
        )
        .await
        .data();
    }
    let (items, cursors) = all_pages(&app, &admin, OFFERS, "/offers").await;
    let names: Vec<&str> = items
        .iter()
        .filter_map(|e| e["node"]["name"].as_str())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    edits_are_refused(
        &app,
        &admin,
        OFFERS,
        &cursors[0],
        json!(uuid::Uuid::now_v7()),
    )
    .await;
}
