//! The opening-data import through the `importMembers` mutation.
use loyalty_api::config::Limits;
use loyalty_domain::limits::MAX_POINTS;
use loyalty_domain::members::import::{BATCH, MAX_REQUEST_BYTES, MAX_REQUEST_ROWS, import_csv};
use loyalty_tests::{TestApp, backend, spawn_app, spawn_app_with};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};
use std::io::Cursor;

const IMPORT: &str = "mutation($c: String!) { importMembers(csv: $c) { read imported unchanged pointsImported rejected { line reason } } }";

const GOOD: &str = "external_id,name,phone,email,birthday,gender,province,district,total_orders,total_spent,opening_points,registered
c1,Nguyễn Văn An,+84 912 345 678,An@Shop.vn,1990-05-17,male,Hà Nội,Ba Đình,12,\"3,500,000\",1200,true
c2,\"Trần Thị Bình, Jr\",0987654321,,17/05/1991,nữ,Hồ Chí Minh,Quận 1,0,0,0,false
c3,Lê Vân,,,,,,,3,450000,300,
";

async fn import(app: &TestApp, key: &str, csv: &str) -> Value {
    app.gql(Some(key), IMPORT, json!({"c": csv})).await.data()["importMembers"].clone()
}

#[tokio::test]
async fn a_good_file_imports_profiles_totals_and_opening_points_once() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.activate(&admin, json!({}), "INITIAL_TIER").await;
    let r = import(&app, &admin, GOOD).await;
    assert_eq!(
        r,
        json!({"read": 3, "imported": 3, "unchanged": 0, "pointsImported": 1500, "rejected": []})
    );
    let m = app
        .gql(Some(&admin), "{ member(externalId: \"c1\") { name phone email gender totalOrders totalSpent registeredAt birthday } }", json!({}))
        .await;
    let m = &m.data()["member"];
    assert_eq!(m["phone"], "0912345678");
    assert_eq!(m["email"], "an@shop.vn");
    assert_eq!(m["totalSpent"], "3500000");
    assert_eq!(m["totalOrders"], 12);
    assert!(m["registeredAt"].is_string());
    assert_eq!(app.points(&admin, "c1").await, (1200, 0, 0, 0));
    assert_eq!(
        app.ledger(&admin, "c1").await,
        vec![("IMPORT".to_owned(), 1200)]
    );
    let b = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"c2\") { name gender birthday } }",
            json!({}),
        )
        .await;
    assert_eq!(
        b.data()["member"],
        json!({"name": "Trần Thị Bình, Jr", "gender": "FEMALE", "birthday": "1991-05-17"})
    );

    // The same file again changes nothing.
    let again = import(&app, &admin, GOOD).await;
    assert_eq!(
        again,
        json!({"read": 3, "imported": 0, "unchanged": 3, "pointsImported": 0, "rejected": []})
    );
    assert_eq!(app.points(&admin, "c1").await, (1200, 0, 0, 0));
}

#[tokio::test]
async fn bad_rows_are_reported_by_line_and_the_rest_imported() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let csv = "external_id,name,phone,email,total_spent,opening_points,gender
ok1,An,0912345678,a@x.vn,100000,5,male
,No Id,,,,,
bad-phone,Bình,12345,,,,
bad-email,Cường,,not-an-email,,,
bad-money,Dũng,,,12.5,,
bad-gender,Em,,,,,robot
ok2,Giang,,,,,
";
    let r = import(&app, &admin, csv).await;
    assert_eq!(r["read"], 7);
    assert_eq!(r["imported"], 2);
    let lines: Vec<i64> = r["rejected"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|x| x["line"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7]);
    assert!(
        r["rejected"][1]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("phone")
    );
    let missing = app
        .gql(Some(&admin), IMPORT, json!({"c": "name,phone\nAn,091\n"}))
        .await;
    assert_eq!(missing.code(), "BAD_USER_INPUT");
    let channel = app.create_key(&admin, "CHANNEL").await;
    assert_eq!(
        app.gql(Some(&channel), IMPORT, json!({"c": GOOD}))
            .await
            .code(),
        "FORBIDDEN"
    );
}

/// A CSV of `n` new customers `r1`…`rn`, with `special` as row `at` (1-based) when given.
fn numbered(n: usize, special: Option<(usize, &str)>) -> String {
    let mut csv = String::from("external_id,name,opening_points\n");
    for i in 1..=n {
        match special {
            Some((at, id)) if at == i => csv.push_str(&format!("{id},Special,5\n")),
            _ => csv.push_str(&format!("r{i},Khách {i},5\n")),
        }
    }
    csv
}

async fn member_count(app: &TestApp, key: &str) -> i64 {
    let res = app
        .gql(Some(key), "{ members { totalCount } }", json!({}))
        .await;
    res.data()["members"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("no totalCount in {}", res.body))
}

#[tokio::test]
async fn a_file_over_the_request_bound_is_refused_whole_and_points_to_the_command_line() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    let rows = app
        .gql(
            Some(&admin),
            IMPORT,
            json!({"c": numbered(MAX_REQUEST_ROWS + 1, None)}),
        )
        .await;
    assert_eq!(rows.code(), "LIMIT_EXCEEDED", "{}", rows.body);
    assert!(
        rows.message().contains("loyalty import members"),
        "{}",
        rows.message()
    );
    // Few rows, too many bytes.
    let wide = format!("external_id,note\nc1,{}\n", "x".repeat(MAX_REQUEST_BYTES));
    let bytes = app.gql(Some(&admin), IMPORT, json!({"c": wide})).await;
    assert_eq!(bytes.code(), "LIMIT_EXCEEDED", "{}", bytes.body);
    assert_eq!(member_count(&app, &admin).await, 0);

    // At the bound, it imports.
    let ok = import(&app, &admin, &numbered(MAX_REQUEST_ROWS, None)).await;
    assert_eq!(ok["imported"], MAX_REQUEST_ROWS);
    assert_eq!(ok["pointsImported"], 5 * MAX_REQUEST_ROWS as i64);
}

/// A trigger that fails the insert of customer `boom`: a database error in the middle of
/// a file, after the rows of a first batch.
async fn fail_inserting_boom(app: &TestApp) {
    let sql = if backend() == "postgres" {
        "CREATE FUNCTION import_boom() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN IF NEW.external_id = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$; \
         CREATE TRIGGER import_boom BEFORE INSERT ON members FOR EACH ROW EXECUTE FUNCTION import_boom();"
    } else {
        "CREATE TRIGGER import_boom BEFORE INSERT ON members WHEN NEW.external_id = 'boom' \
         BEGIN SELECT RAISE(ABORT, 'boom'); END;"
    };
    app.ctx
        .db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("trigger: {e}"));
}

#[tokio::test]
async fn a_database_error_mid_file_leaves_no_rows_behind() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    app.activate(&admin, json!({}), "INITIAL_TIER").await;
    fail_inserting_boom(&app).await;
    let res = app
        .gql(
            Some(&admin),
            IMPORT,
            json!({"c": numbered(700, Some((650, "boom")))}),
        )
        .await;
    assert_eq!(res.code(), "INTERNAL", "{}", res.body);
    assert_eq!(member_count(&app, &admin).await, 0);
    // The same file without the failing row imports whole.
    let ok = import(&app, &admin, &numbered(700, None)).await;
    assert_eq!(ok["imported"], 700);
    assert_eq!(member_count(&app, &admin).await, 700);
}

#[tokio::test]
async fn the_command_line_import_finishes_a_stopped_file_when_run_again() {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    let shop: uuid::Uuid = shop.parse().unwrap_or_else(|e| panic!("{e}"));
    app.activate(&admin, json!({}), "INITIAL_TIER").await;
    fail_inserting_boom(&app).await;
    let csv = numbered(BATCH + 200, Some((BATCH + 150, "boom")));
    // The command line commits every BATCH rows: the failure leaves the first batch.
    let stopped = import_csv(&app.ctx, shop, Cursor::new(csv.clone()), |_| {}).await;
    assert!(stopped.is_err());
    assert_eq!(member_count(&app, &admin).await, BATCH as i64);
    let drop = if backend() == "postgres" {
        "DROP TRIGGER import_boom ON members"
    } else {
        "DROP TRIGGER import_boom"
    };
    app.ctx
        .db
        .execute_unprepared(drop)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Run again: the rest is imported, the first batch's rows are unchanged, and every
    // customer has their opening points once.
    let report = import_csv(&app.ctx, shop, Cursor::new(csv), |_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.imported, report.unchanged), (200, BATCH as u64));
    assert_eq!(report.points_imported, 200 * 5);
    assert_eq!(member_count(&app, &admin).await, BATCH as i64 + 200);
    let (last, next) = (format!("r{BATCH}"), format!("r{}", BATCH + 1));
    for id in ["r1", last.as_str(), next.as_str(), "boom"] {
        assert_eq!(app.points(&admin, id).await, (5, 0, 0, 0), "{id}");
    }
}

/// Rows of the table `slow`, whose cube a trigger counts on SQLite to keep the insert of
/// customer `slow` busy: 216 million rows, several seconds where the request has one.
const SLOW_ROWS: u32 = 600;

/// A CSV of `n` customers with only their ids, `special` as row `at`: the first 500 rows
/// (the old batch) take well under the second the timeout test allows.
fn bare(n: usize, at: usize, special: &str) -> String {
    let mut csv = String::from("external_id\n");
    for i in 1..=n {
        if i == at {
            csv.push_str(special);
        } else {
            csv.push_str(&format!("r{i}"));
        }
        csv.push('\n');
    }
    csv
}

#[tokio::test]
async fn a_request_that_times_out_mid_file_leaves_no_rows_behind() {
    let app = spawn_app_with(Limits {
        request_timeout_secs: 1,
        ..Limits::default()
    })
    .await;
    let (_, admin) = app.create_shop("A").await;
    app.upsert_member(&admin, json!({"externalId": "held"}))
        .await;
    // The 650th customer of the file (after a first batch of 500 rows) keeps the import
    // waiting until the request times out: on PostgreSQL `held`, whose row this test
    // locks; on SQLite `slow`, whose insert runs a long count.
    let res = if backend() == "postgres" {
        let csv = bare(700, 650, "held");
        let blocker = app.ctx.db.begin().await.unwrap_or_else(|e| panic!("{e}"));
        blocker
            .execute_unprepared("SELECT 1 FROM members WHERE external_id = 'held' FOR UPDATE")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let res = app.gql(Some(&admin), IMPORT, json!({"c": csv})).await;
        blocker.rollback().await.unwrap_or_else(|e| panic!("{e}"));
        res
    } else {
        let csv = bare(700, 650, "slow");
        let setup = format!(
            "CREATE TABLE slow (x INTEGER); \
             INSERT INTO slow WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {SLOW_ROWS}) SELECT x FROM c; \
             CREATE TRIGGER import_slow BEFORE INSERT ON members WHEN NEW.external_id = 'slow' \
             BEGIN SELECT count(*) FROM slow a, slow b, slow c; END;"
        );
        app.ctx
            .db
            .execute_unprepared(&setup)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let res = app.gql(Some(&admin), IMPORT, json!({"c": csv})).await;
        // The abandoned statement still holds SQLite's one connection: wait for it
        // here, outside any request and its timeout.
        app.ctx
            .db
            .execute_unprepared("SELECT 1")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        res
    };
    assert_eq!(res.status, 408, "{}", res.body);
    // A later import goes through (the abandoned transaction let go of its locks) and
    // finds nothing of the timed-out one.
    let after = import(&app, &admin, "external_id\nlater\n").await;
    assert_eq!(after["imported"], 1);
    assert_eq!(member_count(&app, &admin).await, 2);
    assert_eq!(app.points(&admin, "held").await, (0, 0, 0, 0));
}

#[tokio::test]
async fn opening_points_near_i64_max_are_refused_per_row_and_customers_can_still_order() {
    let app = spawn_app().await;
    let (_, admin) = app.create_shop("A").await;
    // 1 point pays 1,000 VND (the defaults' point is worth 1 VND).
    app.activate(&admin, json!({"pointsPerThousandVnd": 1}), "INITIAL_TIER")
        .await;
    // The probe's file: two balances near i64::MAX summed to a wrapped -809 before.
    let csv = "external_id,opening_points,total_orders,total_spent
big1,9223372036854775000,,
big2,9223372036854775807,,
full,\"1,000,000,000\",,
ok,100,,
orders,,99999999999,
spent,,,99999999999999999999
";
    let r = import(&app, &admin, csv).await;
    assert_eq!(r["read"], 6);
    assert_eq!(r["imported"], 2, "{r}");
    assert_eq!(r["pointsImported"], MAX_POINTS + 100);
    let rejected: Vec<(i64, String)> = r["rejected"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|x| {
            (
                x["line"].as_i64().unwrap_or(0),
                x["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rejected.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        vec![2, 3, 6, 7]
    );
    assert!(
        rejected
            .iter()
            .all(|(_, why)| why.contains("above the limit")),
        "{rejected:?}"
    );
    assert_eq!(member_count(&app, &admin).await, 2);

    // A customer at the bound orders: the order is recorded, and earns what fits (none).
    let order = app.order(&admin, "o-1", "full", 250_000, 0).await;
    assert_eq!(
        order.data()["recordOrder"]["pointsEarned"],
        0,
        "{}",
        order.body
    );
    assert_eq!(app.points(&admin, "full").await, (MAX_POINTS, 0, 0, 0));
    // Spending makes room, and the next order earns again.
    let spend = app.order(&admin, "o-2", "full", 250_000, 1_000).await;
    assert_eq!(
        spend.data()["recordOrder"]["pointsRedeemed"],
        250,
        "{}",
        spend.body
    );
    let earn = app.order(&admin, "o-3", "full", 100_000, 0).await;
    assert_eq!(earn.data()["recordOrder"]["pointsEarned"], 250);
    assert_eq!(app.points(&admin, "full").await, (MAX_POINTS, 0, 250, 0));
    // A customer whose balance cannot take a row's opening points: the row is refused
    // whole (its profile is not written either).
    let walkin = app
        .upsert_member(&admin, json!({"externalId": "walkin"}))
        .await;
    app.gql(
        Some(&admin),
        "mutation($i: AdjustPointsInput!) { adjustPoints(input: $i) { id } }",
        json!({"i": {"memberId": walkin, "points": 600_000_000, "reason": "gift", "idempotencyKey": "g"}}),
    )
    .await
    .data();
    let again = import(
        &app,
        &admin,
        "external_id,name,opening_points\nwalkin,Changed,500000000\n",
    )
    .await;
    let reason = again["rejected"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("at most 1,000,000,000 points"), "{again}");
    let name = app
        .gql(
            Some(&admin),
            "{ member(externalId: \"walkin\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(name.data()["member"]["name"], Value::Null);
}

#[tokio::test]
async fn a_nul_byte_in_a_csv_field_is_a_rejected_row_on_both_databases() {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    let shop: uuid::Uuid = shop.parse().unwrap_or_else(|e| panic!("{e}"));
    let csv =
        "external_id,name,province,note\nc1,An,Hà Nội,\nc2,B\0nh,,\nc3,Cư,Huế\0,\nc4,Dung,,x\0y\n";
    // The command line's path reads files, where nothing refused the byte before.
    let report = import_csv(&app.ctx, shop, Cursor::new(csv.as_bytes().to_vec()), |_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rejected: Vec<(u64, String)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.clone()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (3, "field name contains a NUL byte".to_owned()),
            (4, "field province contains a NUL byte".to_owned()),
            (5, "field note contains a NUL byte".to_owned()),
        ]
    );
    assert_eq!(report.imported, 1);
    // Over HTTP the byte is refused too, never stored and never INTERNAL: as a rejected
    // row, or as the whole request by the edge's check of every string.
    let res = app
        .gql(Some(&admin), IMPORT, json!({"c": csv.replace("c1", "h1")}))
        .await;
    match res.body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => assert_eq!(code, "BAD_USER_INPUT", "{}", res.body),
        None => assert_eq!(
            res.data()["importMembers"]["rejected"]
                .as_array()
                .map(Vec::len),
            Some(3)
        ),
    }
    for id in ["c2", "c3", "c4"] {
        let m = app
            .gql(
                Some(&admin),
                &format!("{{ member(externalId: \"{id}\") {{ id }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(m.data()["member"], Value::Null, "{id}");
    }
}

/// Every customer of a shop as the admin API shows them, by external id.
async fn all_members(app: &TestApp, key: &str) -> Value {
    let res = app
        .gql(
            Some(key),
            "{ members(first: 50) { edges { node {
                externalId name phone email birthday gender province district totalOrders totalSpent
                registeredAt lastPurchaseAt rankingSpend tier { name }
                points { available pending used expired } ledger(first: 5) { edges { node { kind points } } }
            } } } }",
            json!({}),
        )
        .await;
    let mut edges = res.data()["members"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    edges.sort_by_key(|e| {
        e["node"]["externalId"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    });
    Value::Array(edges)
}

/// New customers are written a batch at a time, existing ones row by row: both ways give
/// the same customers. Shop A imports the file onto nothing; shop B knows every customer
/// (by external id only) before the same file, so each of its rows goes the row-by-row
/// way. A customer twice in the file ends as the second row says, either way.
#[tokio::test]
async fn new_and_known_customers_import_to_the_same_rows() {
    const FILE: &str = "external_id,name,phone,email,birthday,gender,total_orders,total_spent,cycle_spent,last_purchase_at,opening_points,registered
a1,Nguyễn Văn An,0912345601,an@shop.vn,1990-05-17,male,12,\"9,500,000\",\"9,500,000\",2026-11-01,1200,true
a2,Trần Bình,0912345602,,,nữ,3,\"2,500,000\",\"2,000,000\",2026-10-01 09:30,300,false
a3,Lê Vân,,,,,1,100000,,,,
a2,Trần Thị Bình,,binh@shop.vn,,,,,,,,true
a4,Phạm Hoa,0912345604,,,,2,\"3,000,000\",\"4,000,000\",,50,true
";
    let app = spawn_app().await;
    let mut shops = Vec::new();
    for (name, known) in [("A", false), ("B", true)] {
        let (_, admin) = app.create_shop(name).await;
        app.activate(&admin, json!({}), "INITIAL_TIER").await;
        if known {
            let ids = "external_id\na1\na2\na3\na4\n";
            assert_eq!(import(&app, &admin, ids).await["imported"], 4);
        }
        let r = import(&app, &admin, FILE).await;
        // a4's cycle_spent is above its total_spent: refused either way.
        assert_eq!(r["rejected"].as_array().map(Vec::len), Some(1), "{r}");
        assert_eq!(r["rejected"][0]["line"], 6, "{r}");
        assert_eq!(r["pointsImported"], 1500, "{r}");
        shops.push(all_members(&app, &admin).await);
    }
    // B knew a4 before its refused row; A never did.
    let known: Vec<Value> = shops[1]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["node"]["externalId"] != "a4")
        .collect();
    assert_eq!(shops[0], Value::Array(known));
    let a2 = &shops[0][1]["node"];
    assert_eq!(a2["name"], "Trần Thị Bình");
    assert_eq!(a2["email"], "binh@shop.vn");
    assert_eq!(a2["phone"], "0912345602");
    assert!(a2["registeredAt"].is_string(), "{a2}");
}

#[tokio::test]
async fn customers_the_file_registers_are_told_to_partners_once() {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    app.activate(&admin, json!({}), "INITIAL_TIER").await;
    let shop = uuid::Uuid::parse_str(&shop).unwrap_or_else(|e| panic!("{e}"));
    loyalty_tests::subscribe_directly(&app.ctx, shop, &["member.registered"]).await;
    let registered = || async {
        let db = &app.ctx.db;
        let rows = db
            .query_all_raw(sea_orm::Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT payload FROM events WHERE shop_id = $1 AND event_type = 'member.registered' ORDER BY id",
                [shop.into()],
            ))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        rows.iter()
            .map(|r| {
                let body: String = r.try_get_by_index(0).unwrap_or_else(|e| panic!("{e}"));
                let body: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}"));
                body["data"]["member"]["externalId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect::<Vec<_>>()
    };
    // New customers (written a batch at a time): only c1 registers.
    import(&app, &admin, GOOD).await;
    assert_eq!(registered().await, vec!["c1"]);
    // A known customer the next file registers (written row by row); c1 is told once.
    let next =
        "external_id,name,registered\nc1,Nguyễn Văn An,true\nc2,\"Trần Thị Bình, Jr\",true\n";
    import(&app, &admin, next).await;
    import(&app, &admin, next).await;
    assert_eq!(registered().await, vec!["c1", "c2"]);
}
