//! Issue 32, item 4 (seed 002: customers "Từ file dữ liệu đầu kỳ" and "Từ Haravan"): each
//! customer records where it came from, the opening-data file or the sales channel that
//! first sent it; `MemberFilter.source` and `sourceChannel` select by it, each source's
//! view lists its own saved filters, and customers stored before sources were kept are
//! filled in by the migration from what the database holds.
use loyalty_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const IMPORT: &str = "mutation($c: String!) { importMembers(csv: $c) { imported } }";
const CSV: &str = "external_id,name,total_orders,total_spent,opening_points,registered
f1,Nguyễn Văn An,12,3500000,1200,true
f2,Trần Thị Bình,0,0,0,true
";

async fn source_of(app: &TestApp, key: &str, ext: &str) -> Value {
    let res = app
        .gql(
            Some(key),
            "query($e: String!) { member(externalId: $e) { source sourceChannel } }",
            json!({"e": ext}),
        )
        .await;
    res.data()["member"].clone()
}

/// The external ids of the members `filter` and `saved` select, sorted.
async fn selected(app: &TestApp, key: &str, filter: Value, saved: Option<&str>) -> Vec<String> {
    let res = app
        .gql(
            Some(key),
            "query($f: MemberFilter, $s: SavedFilter) { members(filter: $f, saved: $s, first: 100) { edges { node { externalId } } } }",
            json!({"f": filter, "s": saved}),
        )
        .await;
    let mut ids: Vec<String> = res.data()["members"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["node"]["externalId"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

async fn order(app: &TestApp, key: &str, id: &str, member: &str, channel: &str) {
    app.gql(
        Some(key),
        "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
        json!({"i": {"externalId": id, "memberExternalId": member, "channel": channel,
            "lines": [{"productId": "sku", "quantity": 1, "unitPrice": "100000"}]}}),
    )
    .await
    .data();
}

#[tokio::test]
async fn customers_record_their_source_and_each_source_has_its_saved_filters() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    app.gql(Some(&admin), IMPORT, json!({"c": CSV}))
        .await
        .data();
    app.upsert_member(&admin, json!({"externalId": "w1", "channel": "WEB"}))
        .await;
    app.upsert_member(&admin, json!({"externalId": "u1"})).await;
    // A new customer made by its first order; an unknown one takes its first order's
    // channel; an imported one and a channel's one keep theirs.
    order(&app, &admin, "o1", "s1", "SOCIAL").await;
    order(&app, &admin, "o2", "u1", "POS").await;
    order(&app, &admin, "o3", "u1", "WEB").await;
    order(&app, &admin, "o4", "f1", "POS").await;
    order(&app, &admin, "o5", "w1", "POS").await;
    app.upsert_member(&admin, json!({"externalId": "w1", "channel": "ADMIN"}))
        .await;
    app.upsert_member(&admin, json!({"externalId": "n1"})).await;
    let channel = |c: &str| json!({"source": "CHANNEL", "sourceChannel": c});
    let import = json!({"source": "IMPORT", "sourceChannel": null});
    for (ext, expected) in [
        ("f1", import.clone()),
        ("f2", import.clone()),
        ("w1", channel("WEB")),
        ("s1", channel("SOCIAL")),
        ("u1", channel("POS")),
        ("n1", json!({"source": null, "sourceChannel": null})),
    ] {
        assert_eq!(source_of(&app, &admin, ext).await, expected, "{ext}");
    }

    assert_eq!(
        selected(&app, &admin, json!({"source": "IMPORT"}), None).await,
        ["f1", "f2"]
    );
    assert_eq!(
        selected(&app, &admin, json!({"source": "CHANNEL"}), None).await,
        ["s1", "u1", "w1"]
    );
    assert_eq!(
        selected(&app, &admin, json!({"sourceChannel": "POS"}), None).await,
        ["u1"]
    );
    // The channel view's "not registered" filter, and its purchases: f1 bought today
    // but is the file's.
    assert_eq!(
        selected(
            &app,
            &admin,
            json!({"source": "CHANNEL"}),
            Some("NOT_REGISTERED")
        )
        .await,
        ["s1", "u1", "w1"]
    );
    assert_eq!(
        selected(
            &app,
            &admin,
            json!({"source": "IMPORT"}),
            Some("BOUGHT_LAST_7_DAYS")
        )
        .await,
        ["f1"]
    );
    // A saved filter of the merchant's own keeps its source.
    let seg = app
        .gql(
            Some(&admin),
            "mutation { createSegment(name: \"From the file\", filter: {source: IMPORT}) { count } }",
            json!({}),
        )
        .await;
    assert_eq!(seg.data()["createSegment"]["count"], 2, "{}", seg.body);

    let views = app
        .gql(
            Some(&admin),
            "{ file: savedFilters(source: IMPORT) { filter name } channel: savedFilters(source: CHANNEL) { filter } }",
            json!({}),
        )
        .await;
    assert_eq!(
        views.data()["file"],
        json!([
            {"filter": "BOUGHT_LAST_7_DAYS", "name": "Bought in the last 7 days"},
            {"filter": "BOUGHT_LAST_30_DAYS", "name": "Bought in the last 30 days"},
            {"filter": "LAPSED_OVER_30_DAYS", "name": "No purchase for over 30 days"},
        ])
    );
    assert_eq!(
        views.data()["channel"],
        json!([{"filter": "BOUGHT_LAST_7_DAYS"}, {"filter": "BOUGHT_LAST_30_DAYS"},
            {"filter": "LAPSED_OVER_30_DAYS"}, {"filter": "REGISTERED"}, {"filter": "NOT_REGISTERED"}])
    );
    let bad = app
        .gql(
            Some(&admin),
            "{ members(filter: {source: SHOPEE}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(bad.code(), "BAD_USER_INPUT", "{}", bad.body);

    // Customers stored before sources were kept: the migration fills them from the
    // opening data the file left (opening spend, even of 0, or opening points), else
    // from the channel of the first order (w1's, not the one its profile named); n1,
    // with neither, is unknown.
    {
        use loyalty_migrations::{Migrator, MigratorTrait};
        loyalty_tests::migrate_down_through(&app.ctx.db, "m20261207_000043_member_source").await;
        Migrator::up(&app.ctx.db, None)
            .await
            .unwrap_or_else(|e| panic!("up: {e}"));
    }
    for (ext, expected) in [
        ("f1", import.clone()),
        ("f2", import),
        ("w1", channel("POS")),
        ("s1", channel("SOCIAL")),
        ("u1", channel("POS")),
        ("n1", json!({"source": null, "sourceChannel": null})),
    ] {
        assert_eq!(
            source_of(&app, &admin, ext).await,
            expected,
            "after the migration: {ext}"
        );
    }
}
