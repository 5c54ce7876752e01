//! The opening-data import through the `importMembers` mutation.
use loyalty_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

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
