//! The members export is in the import's columns: exported from one shop and imported
//! into another, members keep their profile, totals, tier and spendable points.
use loyalty_api::transfer::{member_filter, write_members};
use loyalty_domain::members::import::COLUMNS;
use loyalty_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const IMPORT: &str =
    "mutation($c: String!) { importMembers(csv: $c) { imported rejected { line reason } } }";

const OPENING: &str = "external_id,name,phone,email,birthday,gender,province,district,total_orders,total_spent,opening_points,registered
c1,Nguyễn Văn An,0912345678,an@shop.vn,1990-05-17,male,Hà Nội,Ba Đình,12,3500000,1200,true
c2,Trần Thị Bình,,,17/05/1991,nữ,Huế,,0,0,0,false
c3,Lê Vân,,,,,,,3,450000,300,
";

/// Everything the import carries, per member, ordered by external id.
async fn members(app: &TestApp, key: &str) -> Vec<Value> {
    let r = app
        .gql(
            Some(key),
            "{ members(first: 100) { edges { node { externalId name phone email \
             birthday gender province district totalOrders totalSpent rankingSpend lastPurchaseAt \
             registeredAt tier { name } points { available } } } } }",
            json!({}),
        )
        .await;
    let mut out: Vec<Value> = r.data()["members"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .map(|e| {
                    let mut node = e["node"].clone();
                    // The import registers a member when it runs, not when they joined.
                    node["registeredAt"] = json!(node["registeredAt"].is_string());
                    node
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by_key(|m| m["externalId"].as_str().unwrap_or_default().to_owned());
    out
}

async fn import(app: &TestApp, key: &str, csv: &str) {
    let r = app.gql(Some(key), IMPORT, json!({"c": csv})).await;
    assert_eq!(r.data()["importMembers"]["rejected"], json!([]), "{csv}");
}

async fn export(app: &TestApp, shop: &str) -> String {
    let shop = shop.parse().unwrap_or_else(|e| panic!("shop id: {e}"));
    let filter = member_filter("{}", None).unwrap_or_else(|e| panic!("{e}"));
    let mut csv = Vec::new();
    write_members(&app.ctx, shop, &filter, &mut csv)
        .await
        .unwrap_or_else(|e| panic!("export: {e:#}"));
    String::from_utf8(csv).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn an_export_imported_into_another_shop_gives_the_same_members() {
    let app = spawn_app().await;
    let program = json!({"spendPerRankingPoint": "1000"});
    let (shop_a, a) = app.create_shop("A").await;
    app.activate(&a, program.clone(), "INITIAL_TIER").await;
    import(&app, &a, OPENING).await;
    // Orders, a refund and adjustments move points, totals and tiers after the import.
    app.order(&a, "o1", "c2", 6_000_000, 0).await.data();
    app.refund(&a, "o1", "r1", 500_000).await.data();
    app.order(&a, "o2", "c1", 200_000, 50).await.data();
    app.order(&a, "o3", "c4", 90_000, 0).await.data();
    let c3 = app
        .gql(Some(&a), "{ member(externalId: \"c3\") { id } }", json!({}))
        .await
        .data()["member"]["id"]
        .clone();
    app.gql(
        Some(&a),
        "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { id } }",
        json!({"i": {"memberId": c3, "points": -120, "reason": "correction", "idempotencyKey": "k1"}}),
    )
    .await
    .data();
    let before = members(&app, &a).await;

    let csv = export(&app, &shop_a).await;
    assert_eq!(
        csv.lines().next().unwrap_or_default(),
        COLUMNS.join(","),
        "the export's header is the import's"
    );
    let (_, b) = app.create_shop("B").await;
    app.activate(&b, program, "INITIAL_TIER").await;
    import(&app, &b, &csv).await;
    let after = members(&app, &b).await;
    assert_eq!(after, before, "{csv}");
    // The cases above are not all alike: tiers and balances differ between members.
    let tiers: std::collections::BTreeSet<_> = before
        .iter()
        .map(|m| m["tier"]["name"].to_string())
        .collect();
    assert!(tiers.len() >= 3, "{before:?}");
    // Importing the export again changes nothing.
    import(&app, &b, &csv).await;
    assert_eq!(members(&app, &b).await, before);
}
