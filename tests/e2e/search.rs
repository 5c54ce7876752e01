//! Member search: filters, saved filters at their day boundaries, sorting, keyset
//! pagination under inserts, and segments.
use loyalty_tests::{TestApp, spawn_app, str_at};
use serde_json::{Value, json};
use std::collections::HashSet;

const LIST: &str = "query($f: MemberFilter, $s: SavedFilter, $o: MemberOrderBy, $first: Int, $after: String) { members(filter: $f, saved: $s, orderBy: $o, first: $first, after: $after) { totalCount edges { node { externalId } } pageInfo { hasNextPage endCursor } } }";

async fn ids(app: &TestApp, key: &str, filter: Value, saved: Value, order: Value) -> Vec<String> {
    let res = app
        .gql(
            Some(key),
            LIST,
            json!({"f": filter, "s": saved, "o": order, "first": 100}),
        )
        .await;
    let conn = &res.data()["members"];
    let ids: Vec<String> = conn["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| str_at(e, "/node/externalId"))
        .collect();
    assert_eq!(conn["totalCount"], json!(ids.len()), "totalCount is exact");
    ids
}

fn set(v: &[&str]) -> HashSet<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

async fn sorted(app: &TestApp, key: &str, filter: Value) -> HashSet<String> {
    ids(app, key, filter, json!(null), json!(null))
        .await
        .into_iter()
        .collect()
}

/// Five customers with different profiles, orders and points.
async fn people(app: &TestApp) -> String {
    let admin = app.active_shop().await;
    for p in [
        json!({"externalId": "an", "name": "Nguyễn Văn An", "phone": "0912345678", "email": "an@shop.vn", "gender": "MALE", "province": "Hà Nội", "district": "Ba Đình", "birthday": "1990-05-17", "register": true}),
        json!({"externalId": "binh", "name": "Trần Thị Bình", "phone": "02838295555", "email": "binh@mail.com", "gender": "FEMALE", "province": "Hồ Chí Minh", "district": "Quận 1", "birthday": "1985-12-01"}),
        json!({"externalId": "duc", "name": "Đặng Đức", "phone": "+84 98 765 4321", "email": "DUC@Shop.VN", "gender": "MALE", "province": "Hà Nội", "district": "Cầu Giấy", "register": true}),
        json!({"externalId": "van", "name": "Lê Vân", "phone": "0987000111", "gender": "UNKNOWN", "province": "Đà Nẵng"}),
        json!({"externalId": "x", "name": "100% Percent_Guy"}),
    ] {
        app.upsert_member(&admin, p).await;
    }
    app.order(&admin, "o1", "an", 3_000_000, 0).await.data(); // 3000 points, Silver
    app.order(&admin, "o2", "an", 500_000, 0).await.data();
    app.order(&admin, "o3", "binh", 200_000, 0).await.data();
    app.order(&admin, "o4", "duc", 6_000_000, 0).await.data(); // Gold
    admin
}

#[tokio::test]
async fn every_filter_narrows_and_they_combine() {
    let app = spawn_app().await;
    let admin = people(&app).await;
    assert_eq!(
        sorted(&app, &admin, json!({"name": "nguyen van"})).await,
        set(&["an"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"name": "VĂN"})).await,
        set(&["an", "van"]),
        "Vân folds to van too"
    );
    assert_eq!(
        sorted(&app, &admin, json!({"name": "van"})).await,
        set(&["an", "van"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"name": "dang duc"})).await,
        set(&["duc"]),
        "đ matches d"
    );
    assert_eq!(
        sorted(&app, &admin, json!({"name": "100%"})).await,
        set(&["x"]),
        "wildcards are literal"
    );
    assert_eq!(
        sorted(&app, &admin, json!({"name": "t_guy"})).await,
        set(&["x"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"name": "t%guy"})).await,
        HashSet::new()
    );
    assert_eq!(
        sorted(&app, &admin, json!({"phonePrefix": "091"})).await,
        set(&["an"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"phonePrefix": "+8498"})).await,
        set(&["duc", "van"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"phonePrefix": "028"})).await,
        set(&["binh"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"email": "SHOP.vn"})).await,
        set(&["an", "duc"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"gender": "FEMALE"})).await,
        set(&["binh"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"totalOrders": {"min": 2}})).await,
        set(&["an"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"totalOrders": {"min": 1, "max": 1}})).await,
        set(&["binh", "duc"])
    );
    assert_eq!(
        sorted(
            &app,
            &admin,
            json!({"totalSpent": {"min": "1000000", "max": "5000000"}})
        )
        .await,
        set(&["an"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"availablePoints": {"min": 3000}})).await,
        set(&["an", "duc"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"availablePoints": {"max": 0}})).await,
        set(&["van", "x"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"province": "Hà Nội"})).await,
        set(&["an", "duc"])
    );
    assert_eq!(
        sorted(
            &app,
            &admin,
            json!({"province": "Hà Nội", "district": "Cầu Giấy"})
        )
        .await,
        set(&["duc"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"registered": true})).await,
        set(&["an", "duc"])
    );
    assert_eq!(
        sorted(&app, &admin, json!({"birthdayMonth": 12})).await,
        set(&["binh"])
    );
    let tiers = app
        .gql(Some(&admin), "{ tiers { id name } }", json!({}))
        .await;
    let id_of = |n: &str| {
        tiers.data()["tiers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .find(|t| t["name"] == n)
            .map(|t| t["id"].clone())
            .unwrap_or_default()
    };
    assert_eq!(
        sorted(
            &app,
            &admin,
            json!({"tierIds": [id_of("Silver"), id_of("Gold")]})
        )
        .await,
        set(&["an", "duc"])
    );
    // Combined: Hà Nội men with points over 3,500 in Gold.
    assert_eq!(
        sorted(&app, &admin, json!({"province": "Hà Nội", "gender": "MALE", "availablePoints": {"min": 3500}, "tierIds": [id_of("Gold")]})).await,
        set(&["duc"])
    );
    let within =
        json!({"purchasedWithin": {"from": "2026-11-23T00:00:00Z", "to": "2026-11-24T00:00:00Z"}});
    assert_eq!(
        sorted(&app, &admin, within).await,
        set(&["an", "binh", "duc"])
    );
    let before = json!({"purchasedWithin": {"to": "2026-11-01T00:00:00Z"}});
    assert_eq!(sorted(&app, &admin, before).await, HashSet::new());
    for bad in [
        json!({"totalOrders": {"min": 3, "max": 1}}),
        json!({"birthdayMonth": 13}),
        json!({"totalSpent": {"min": "1.5"}}),
    ] {
        let res = app.gql(Some(&admin), LIST, json!({"f": bad})).await;
        assert_eq!(res.code(), "BAD_USER_INPUT", "{bad}");
    }
}

/// Profile filters and the sorts by name and registration read a copy of the profile
/// kept off the row every order updates: an edit, a registration, and orders after
/// them, leave search seeing the profile as it now is.
#[tokio::test]
async fn profile_filters_follow_profile_edits_and_orders() {
    let app = spawn_app().await;
    let admin = people(&app).await;
    app.upsert_member(
        &admin,
        json!({"externalId": "binh", "name": "Phạm Thị Bình", "phone": "0977000222", "email": "binh@new.vn", "gender": "FEMALE", "province": "Huế", "birthday": "1985-03-02"}),
    )
    .await;
    app.order(&admin, "o5", "binh", 100_000, 0).await.data();
    for (filter, found) in [
        (json!({"name": "pham thi"}), set(&["binh"])),
        (json!({"name": "tran thi"}), set(&[])),
        (json!({"phonePrefix": "0977"}), set(&["binh"])),
        (json!({"phonePrefix": "028"}), set(&[])),
        (json!({"email": "new.vn"}), set(&["binh"])),
        (json!({"province": "Huế"}), set(&["binh"])),
        (json!({"province": "Hồ Chí Minh"}), set(&[])),
        (json!({"birthdayMonth": 3}), set(&["binh"])),
        (json!({"birthdayMonth": 12}), set(&[])),
        (
            json!({"gender": "FEMALE", "totalOrders": {"min": 2}}),
            set(&["binh"]),
        ),
    ] {
        assert_eq!(
            sorted(&app, &admin, filter.clone()).await,
            found,
            "{filter}"
        );
    }
    // A customer an order creates is searchable at once.
    app.order(&admin, "o6", "new-customer", 100_000, 0)
        .await
        .data();
    assert_eq!(
        sorted(&app, &admin, json!({"gender": "UNKNOWN"})).await,
        set(&["van", "x", "new-customer"])
    );
    // Sorts by name and by registration walk the copy as well.
    app.upsert_member(&admin, json!({"externalId": "van", "name": "Vũ Vân"}))
        .await;
    let asc = |field: &str| json!({"field": field, "direction": "ASC"});
    assert_eq!(
        ids(&app, &admin, json!(null), json!(null), asc("NAME")).await,
        vec!["new-customer", "x", "duc", "an", "binh", "van"]
    );
    assert_eq!(
        ids(&app, &admin, json!(null), json!(null), asc("REGISTERED_AT")).await,
        vec!["an", "duc", "binh", "van", "x", "new-customer"],
        "not registered: last, in id order"
    );
    app.upsert_member(
        &admin,
        json!({"externalId": "new-customer", "register": true}),
    )
    .await;
    assert_eq!(
        ids(&app, &admin, json!(null), json!(null), asc("REGISTERED_AT")).await,
        vec!["an", "duc", "new-customer", "binh", "van", "x"]
    );
}

#[tokio::test]
async fn saved_filters_count_shop_days() {
    let app = spawn_app().await; // now: 2026-11-23 10:00 in Vietnam
    let (_, admin) = app.create_shop("A").await;
    // Last purchase on each side of every boundary, in Vietnam time (UTC+7).
    for (who, at) in [
        ("today", "2026-11-23T01:00:00Z"),
        ("d7-first-second", "2026-11-15T17:00:00Z"), // 16 Nov 00:00 local: 7 days ago
        ("d8-last-second", "2026-11-15T16:59:59Z"),  // 15 Nov 23:59:59 local: 8 days ago
        ("d30", "2026-10-23T17:00:00Z"),             // 24 Oct local: 30 days ago
        ("d31", "2026-10-23T16:59:59Z"),             // 23 Oct local: 31 days ago
    ] {
        app.gql(Some(&admin), "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }",
            json!({"i": {"externalId": who, "memberExternalId": who, "channel": "WEB", "placedAt": at, "lines": [{"productId": "p", "quantity": 1, "unitPrice": "1000"}]}}))
            .await
            .data();
    }
    app.upsert_member(&admin, json!({"externalId": "never", "register": true}))
        .await;
    let saved = |s: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            ids(app, &admin, json!(null), json!(s), json!(null))
                .await
                .into_iter()
                .collect::<HashSet<_>>()
        }
    };
    assert_eq!(
        saved("BOUGHT_LAST_7_DAYS").await,
        set(&["today", "d7-first-second"])
    );
    assert_eq!(
        saved("BOUGHT_LAST_30_DAYS").await,
        set(&["today", "d7-first-second", "d8-last-second", "d30"])
    );
    assert_eq!(saved("LAPSED_OVER_30_DAYS").await, set(&["d31"]));
    assert_eq!(saved("REGISTERED").await, set(&["never"]));
    assert_eq!(saved("NOT_REGISTERED").await.len(), 5);
    assert_eq!(saved("ALL").await.len(), 6);
    assert_eq!(
        sorted(&app, &admin, json!({"lastPurchaseOlderThanDays": 7})).await,
        set(&["d8-last-second", "d30", "d31"])
    );
    // A day later, everyone moves one day back.
    app.advance(chrono::Duration::days(1));
    assert_eq!(saved("BOUGHT_LAST_7_DAYS").await, set(&["today"]));
    assert_eq!(saved("LAPSED_OVER_30_DAYS").await, set(&["d30", "d31"]));
}

#[tokio::test]
async fn every_sort_orders_with_empty_values_last() {
    let app = spawn_app().await;
    let admin = people(&app).await;
    let order = |field: &str, dir: &str| json!({"field": field, "direction": dir});
    assert_eq!(
        ids(&app, &admin, json!(null), json!(null), order("NAME", "ASC")).await,
        vec!["x", "duc", "van", "an", "binh"]
    );
    assert_eq!(
        ids(
            &app,
            &admin,
            json!(null),
            json!(null),
            order("TOTAL_SPENT", "DESC")
        )
        .await[..3],
        ["duc", "an", "binh"]
    );
    assert_eq!(
        ids(
            &app,
            &admin,
            json!(null),
            json!(null),
            order("TOTAL_ORDERS", "DESC")
        )
        .await[0],
        "an"
    );
    assert_eq!(
        ids(
            &app,
            &admin,
            json!(null),
            json!(null),
            order("AVAILABLE_POINTS", "ASC")
        )
        .await[3..],
        ["an", "duc"]
    );
    let last = ids(
        &app,
        &admin,
        json!(null),
        json!(null),
        order("LAST_PURCHASE", "DESC"),
    )
    .await;
    assert_eq!(
        last[3..].iter().cloned().collect::<HashSet<_>>(),
        set(&["van", "x"]),
        "never bought: last"
    );
    let reg = ids(
        &app,
        &admin,
        json!(null),
        json!(null),
        order("REGISTERED_AT", "ASC"),
    )
    .await;
    assert_eq!(reg[..2], ["an", "duc"]);
    assert_eq!(
        ids(
            &app,
            &admin,
            json!(null),
            json!(null),
            order("CREATED", "DESC")
        )
        .await,
        vec!["x", "van", "duc", "binh", "an"]
    );
}

#[tokio::test]
async fn sorted_pages_have_no_gaps_or_repeats_while_rows_arrive() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let mut expected = HashSet::new();
    for i in 0..23 {
        let id = format!("m{i:02}");
        // Some share a spend, some never bought: ties and nulls cross page boundaries.
        if i % 4 != 0 {
            app.order(&admin, &format!("o{i}"), &id, 1000 * (i % 5 + 1), 0)
                .await
                .data();
        } else {
            app.upsert_member(&admin, json!({"externalId": id})).await;
        }
        expected.insert(id);
    }
    for field in ["TOTAL_SPENT", "LAST_PURCHASE", "NAME", "REGISTERED_AT"] {
        for dir in ["ASC", "DESC"] {
            let mut seen = Vec::new();
            let mut after: Option<String> = None;
            let mut page = 0;
            let mut expect = expected.clone();
            loop {
                let res = app
                    .gql(Some(&admin), LIST, json!({"o": {"field": field, "direction": dir}, "first": 5, "after": after}))
                    .await;
                let conn = res.data()["members"].clone();
                for e in conn["edges"].as_array().cloned().unwrap_or_default() {
                    seen.push(str_at(&e, "/node/externalId"));
                }
                page += 1;
                if page == 2 {
                    // Rows arriving mid-listing (one sorting before the cursor) never duplicate.
                    let late = format!("late-{field}-{dir}");
                    app.order(&admin, &format!("ol-{field}-{dir}"), &late, 3000, 0)
                        .await
                        .data();
                    expect.insert(late);
                }
                if conn["pageInfo"]["hasNextPage"] != true {
                    break;
                }
                after = Some(str_at(&conn, "/pageInfo/endCursor"));
            }
            let unique: HashSet<String> = seen.iter().cloned().collect();
            assert_eq!(unique.len(), seen.len(), "{field} {dir}: repeats");
            let original: HashSet<String> = expected.clone();
            assert!(original.is_subset(&unique), "{field} {dir}: gaps");
            assert!(unique.is_subset(&expect), "{field} {dir}");
            expected = expect;
        }
    }
    // A cursor belongs to its order and filter.
    let res = app
        .gql(
            Some(&admin),
            LIST,
            json!({"o": {"field": "NAME"}, "first": 2}),
        )
        .await;
    let cursor = str_at(res.data(), "/members/pageInfo/endCursor");
    let res = app
        .gql(
            Some(&admin),
            LIST,
            json!({"o": {"field": "TOTAL_SPENT"}, "first": 2, "after": cursor}),
        )
        .await;
    assert_eq!(res.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn segments_are_saved_filters_evaluated_on_read() {
    let app = spawn_app().await;
    let admin = people(&app).await;
    let created = app
        .gql(Some(&admin), "mutation($f: MemberFilter!) { createSegment(name: \"Hà Nội buyers\", filter: $f) { id name count } }",
            json!({"f": {"province": "Hà Nội", "totalOrders": {"min": 1}}}))
        .await;
    let seg = str_at(created.data(), "/createSegment/id");
    assert_eq!(created.data()["createSegment"]["count"], 2);
    // A new matching customer shows up without touching the segment.
    app.upsert_member(&admin, json!({"externalId": "new", "province": "Hà Nội"}))
        .await;
    app.order(&admin, "o9", "new", 10_000, 0).await.data();
    let q = "query($id: ID!) { segment(id: $id) { count members(first: 10, orderBy: {field: TOTAL_SPENT, direction: DESC}) { edges { node { externalId } } } } }";
    let res = app.gql(Some(&admin), q, json!({"id": seg})).await;
    assert_eq!(res.data()["segment"]["count"], 3);
    assert_eq!(
        res.data()["segment"]["members"]["edges"][2]["node"]["externalId"],
        "new"
    );
    // Segments combine with other filters.
    assert_eq!(
        sorted(
            &app,
            &admin,
            json!({"segmentId": seg, "gender": "MALE", "totalSpent": {"min": "5000000"}})
        )
        .await,
        set(&["duc"])
    );
    // Rename, refuse duplicates and nesting, delete.
    let upd = app
        .gql(Some(&admin), "mutation($id: ID!) { updateSegment(id: $id, name: \"HN\", filter: {province: \"Hà Nội\"}) { name count } }", json!({"id": seg}))
        .await;
    assert_eq!(
        upd.data()["updateSegment"],
        json!({"name": "HN", "count": 3})
    );
    let dup = app
        .gql(
            Some(&admin),
            "mutation { createSegment(name: \"HN\", filter: {}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(dup.code(), "BAD_USER_INPUT");
    let nested = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { createSegment(name: \"nest\", filter: {segmentId: $id}) { id } }",
            json!({"id": seg}),
        )
        .await;
    assert_eq!(nested.code(), "BAD_USER_INPUT");
    let list = app
        .gql(Some(&admin), "{ segments { name } }", json!({}))
        .await;
    assert_eq!(list.data()["segments"], json!([{"name": "HN"}]));
    let del = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deleteSegment(id: $id) }",
            json!({"id": seg}),
        )
        .await;
    assert_eq!(del.data()["deleteSegment"], true);
    let read = app.create_key(&admin, "READ").await;
    assert_eq!(
        app.gql(
            Some(&read),
            "mutation { createSegment(name: \"r\", filter: {}) { id } }",
            json!({})
        )
        .await
        .code(),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn a_nested_page_costs_the_same_statements_at_any_size() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    for i in 0..105 {
        let m = format!("m{i:03}");
        app.order(&admin, &format!("a{i}"), &m, 10_000 * (i % 7 + 1), 0)
            .await
            .data();
        if i % 3 == 0 {
            app.order(&admin, &format!("b{i}"), &m, 20_000, 0)
                .await
                .data();
        }
    }
    let q = "query($n: Int) { members(first: $n) { totalCount edges { node { externalId tier { name } rankingPoints points { available pending } ledger(first: 5) { edges { node { kind points } } } } } } }";
    let (small, res10) = app.statements_for(&admin, q, json!({"n": 10})).await;
    assert_eq!(
        res10.data()["members"]["edges"].as_array().map(Vec::len),
        Some(10)
    );
    let (large, res100) = app.statements_for(&admin, q, json!({"n": 100})).await;
    let edges = res100.data()["members"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 100);
    assert!(edges.iter().all(|e| {
        !e["node"]["ledger"]["edges"]
            .as_array()
            .is_none_or(Vec::is_empty)
    }));
    eprintln!("statements for a nested page: {small} at 10 members, {large} at 100");
    assert_eq!(small, large, "statements at 10 and at 100 members");
    assert!(large <= 12, "a handful of statements, got {large}");
}

/// The migration that moved the name and registration sorts to the profile copy can be
/// undone and redone on a shop with members: the copy's registration time is filled
/// from the member rows, and the triggers copy it again.
#[tokio::test]
async fn the_sort_migration_goes_down_and_up_again_with_members() {
    use loyalty_migrations::{Migrator, MigratorTrait};
    let app = spawn_app().await;
    let admin = people(&app).await;
    let asc = |field: &str| json!({"field": field, "direction": "ASC"});
    let names = ids(&app, &admin, json!(null), json!(null), asc("NAME")).await;
    let registered = ids(&app, &admin, json!(null), json!(null), asc("REGISTERED_AT")).await;
    assert_eq!(registered[..2], ["an", "duc"]);
    loyalty_tests::migrate_down_through(&app.ctx.db, "m20261204_000011_sorts_on_member_search")
        .await;
    // Written while the copy has no registration column, as the application of that
    // schema wrote a registration (today's reads the program's later columns first).
    {
        use loyalty_entities::member;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let now = app.ctx.clock.now();
        member::Entity::update_many()
            .col_expr(member::Column::RegisteredAt, Expr::value(now))
            .col_expr(member::Column::UpdatedAt, Expr::value(now))
            .filter(member::Column::ExternalId.eq("x"))
            .exec(&app.ctx.db)
            .await
            .unwrap_or_else(|e| panic!("register x: {e}"));
    }
    Migrator::up(&app.ctx.db, None)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(
        ids(&app, &admin, json!(null), json!(null), asc("NAME")).await,
        names
    );
    assert_eq!(
        ids(&app, &admin, json!(null), json!(null), asc("REGISTERED_AT")).await,
        vec!["an", "duc", "x", "binh", "van"]
    );
    app.advance(chrono::Duration::minutes(1));
    app.upsert_member(&admin, json!({"externalId": "van", "register": true}))
        .await;
    assert_eq!(
        ids(&app, &admin, json!(null), json!(null), asc("REGISTERED_AT")).await,
        vec!["an", "duc", "x", "van", "binh"]
    );
}
