//! Member profiles: upsert, normalization, registration and paging.
use loyalty_tests::{spawn_app, str_at};
use serde_json::{Value, json};
use std::collections::HashSet;

const UPSERT: &str = "mutation($i: MemberInput!) { upsertMember(input: $i) { id externalId name phone email gender birthday province district registeredAt } }";

#[tokio::test]
async fn phones_are_normalized_to_the_national_form() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    for (i, raw) in [
        "0912345678",
        "+84 912 345 678",
        "84912345678",
        "(+84) 91-234-5678",
    ]
    .iter()
    .enumerate()
    {
        let res = app
            .gql(
                Some(&admin),
                UPSERT,
                json!({"i": {"externalId": format!("p{i}"), "phone": raw}}),
            )
            .await;
        assert_eq!(res.data()["upsertMember"]["phone"], "0912345678", "{raw}");
    }
    for raw in ["12345", "091234567899999", "not a phone"] {
        let res = app
            .gql(
                Some(&admin),
                UPSERT,
                json!({"i": {"externalId": "bad", "phone": raw}}),
            )
            .await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{raw}");
        assert_eq!(res.body["errors"][0]["extensions"]["field"], "phone");
    }
    // Nothing of the refused profile was written.
    let res = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"bad\") { id } }",
            json!({}),
        )
        .await;
    assert!(res.data()["member"].is_null());
}

#[tokio::test]
async fn upsert_creates_then_updates_by_external_id() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let first = app
        .gql(
            Some(&admin),
            UPSERT,
            json!({"i": {"externalId": "c1", "name": "Nguyễn Văn An", "email": " An.Nguyen@Example.VN ", "gender": "MALE", "birthday": "1990-05-17", "province": "Hà Nội"}}),
        )
        .await;
    let m = &first.data()["upsertMember"];
    assert_eq!(m["email"], "an.nguyen@example.vn");
    assert_eq!(m["birthday"], "1990-05-17");
    assert!(m["registeredAt"].is_null());
    let id = str_at(m, "/id");

    let second = app
        .gql(
            Some(&admin),
            UPSERT,
            json!({"i": {"externalId": "c1", "district": "Ba Đình", "register": true}}),
        )
        .await;
    let m = &second.data()["upsertMember"];
    assert_eq!(str_at(m, "/id"), id, "same profile");
    assert_eq!(m["name"], "Nguyễn Văn An", "omitted fields are kept");
    assert_eq!(m["district"], "Ba Đình");
    assert!(m["registeredAt"].is_string());

    for (input, field) in [
        (json!({"externalId": "c2", "email": "nope"}), "email"),
        (json!({"externalId": "", "name": "x"}), "externalId"),
        (
            json!({"externalId": "c3", "birthday": "2999-01-01"}),
            "birthday",
        ),
    ] {
        let res = app.gql(Some(&admin), UPSERT, json!({"i": input})).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{input}");
        assert_eq!(res.body["errors"][0]["extensions"]["field"], field);
    }
}

#[tokio::test]
async fn concurrent_upserts_of_one_new_customer_make_one_profile() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let mut handles = Vec::new();
    for i in 0..10 {
        let url = app.url.clone();
        let key = admin.clone();
        handles.push(tokio::spawn(async move {
            let body = json!({"query": UPSERT, "variables": {"i": {"externalId": "same", "name": format!("N{i}")}}});
            let res = reqwest::Client::new()
                .post(format!("{url}/graphql"))
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let v: Value = res.json().await.unwrap_or_default();
            str_at(&v, "/data/upsertMember/id")
        }));
    }
    let mut ids = HashSet::new();
    for h in handles {
        ids.insert(h.await.unwrap_or_else(|e| panic!("{e}")));
    }
    assert_eq!(ids.len(), 1);
    let res = app
        .gql(Some(&admin), "{ members { totalCount } }", json!({}))
        .await;
    assert_eq!(res.data()["members"]["totalCount"], 1);
}

#[tokio::test]
async fn register_members_in_bulk_all_or_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let a = app.upsert_member(&admin, json!({"externalId": "a"})).await;
    let b = app
        .upsert_member(&admin, json!({"externalId": "b", "register": true}))
        .await;
    let reg = "mutation($ids: [ID!]!) { registerMembers(ids: $ids) }";
    let unknown = "0190f3a1-0000-7000-8000-000000000000";
    let res = app
        .gql(Some(&admin), reg, json!({"ids": [a, unknown]}))
        .await;
    assert_eq!(res.code(), "NOT_FOUND");
    let saved = "query($s: SavedFilter) { members(saved: $s) { totalCount } }";
    let count = |v: Value| v["members"]["totalCount"].as_i64().unwrap_or(-1);
    assert_eq!(
        count(
            app.gql(Some(&admin), saved, json!({"s": "REGISTERED"}))
                .await
                .data()
                .clone()
        ),
        1
    );
    let res = app.gql(Some(&admin), reg, json!({"ids": [a, b]})).await;
    assert_eq!(res.data()["registerMembers"], 1, "b was registered already");
    assert_eq!(
        count(
            app.gql(Some(&admin), saved, json!({"s": "REGISTERED"}))
                .await
                .data()
                .clone()
        ),
        2
    );
    assert_eq!(
        count(
            app.gql(Some(&admin), saved, json!({"s": "NOT_REGISTERED"}))
                .await
                .data()
                .clone()
        ),
        0
    );
}

#[tokio::test]
async fn pages_cover_every_member_once_even_with_inserts_between_pages() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let mut expected = HashSet::new();
    for i in 0..25 {
        expected.insert(
            app.upsert_member(&admin, json!({"externalId": format!("m{i:02}")}))
                .await,
        );
    }
    let page = "query($after: String) { members(first: 10, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let res = app.gql(Some(&admin), page, json!({"after": after})).await;
        let conn = res.data()["members"].clone();
        for e in conn["edges"].as_array().cloned().unwrap_or_default() {
            seen.push(str_at(&e, "/node/id"));
        }
        pages += 1;
        if pages == 1 {
            // A customer arriving mid-listing shows up later, never twice.
            expected.insert(
                app.upsert_member(&admin, json!({"externalId": "late"}))
                    .await,
            );
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(str_at(&conn, "/pageInfo/endCursor"));
    }
    assert_eq!(pages, 3);
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
    assert_eq!(unique, expected, "no gaps");
}

#[tokio::test]
async fn paging_arguments_are_checked() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let res = app
        .gql(
            Some(&admin),
            "{ members(first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "LIMIT_EXCEEDED");
    let res = app
        .gql(
            Some(&admin),
            "{ members(first: -1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    let res = app
        .gql(
            Some(&admin),
            "{ members(after: \"garbage\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
    let res = app.gql(Some(&admin), "{ member { id } }", json!({})).await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
}
