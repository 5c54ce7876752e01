//! An order's lines are kept in its row (`orders.lines`), as validated, on both write
//! paths; the migration that moved them there goes down to the old table and up again
//! without losing a line.
use loyalty_domain::checkout::CleanLine;
use loyalty_entities::order;
use loyalty_tests::{TestApp, spawn_app};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryResult, Statement,
    TryGetable,
};
use serde_json::{Value, json};

const RECORD: &str = "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId } }";

fn line(product: &str, groups: &[&str], quantity: i64, price: i64, discounted: bool) -> CleanLine {
    CleanLine {
        product_id: product.to_string(),
        group_ids: groups.iter().map(|g| g.to_string()).collect(),
        quantity,
        unit_price: price,
        already_discounted: discounted,
    }
}

/// Two orders: three lines (groups, a discounted line, a price with a fraction of a
/// thousand) and one plain line.
fn orders() -> Vec<(&'static str, Vec<CleanLine>)> {
    vec![
        (
            "o1",
            vec![
                line("tea", &["drinks", "hot"], 2, 45_500, false),
                line("cake", &[], 1, 120_000, true),
                line("tea", &["drinks"], 3, 1_000, false),
            ],
        ),
        ("o2", vec![line("rice", &[], 1, 250_000, false)]),
    ]
}

async fn record_all(app: &TestApp, admin: &str) {
    for (id, lines) in orders() {
        let lines: Vec<Value> = lines
            .iter()
            .map(|l| {
                json!({"productId": l.product_id, "groupIds": l.group_ids, "quantity": l.quantity,
                    "unitPrice": l.unit_price.to_string(), "alreadyDiscounted": l.already_discounted})
            })
            .collect();
        app.gql(
            Some(admin),
            RECORD,
            json!({"i": {"externalId": id, "memberExternalId": "c1", "channel": "WEB", "lines": lines}}),
        )
        .await
        .data();
    }
}

/// Each order's lines as stored, by external id.
async fn stored(app: &TestApp) -> Vec<(String, Vec<CleanLine>)> {
    let rows = order::Entity::find()
        .filter(order::Column::ExternalId.is_in(["o1", "o2"]))
        .order_by_asc(order::Column::ExternalId)
        .all(&app.ctx.db)
        .await
        .unwrap_or_else(|e| panic!("orders: {e}"));
    rows.into_iter()
        .map(|o| {
            let lines = serde_json::from_str(&o.lines)
                .unwrap_or_else(|e| panic!("lines of {}: {e}: {}", o.external_id, o.lines));
            (o.external_id, lines)
        })
        .collect()
}

/// Column `c` of `row`; a value that does not decode fails the test.
fn column<T: TryGetable>(row: &QueryResult, c: &str) -> T {
    row.try_get("", c).unwrap_or_else(|e| panic!("{c}: {e}"))
}

fn expected() -> Vec<(String, Vec<CleanLine>)> {
    orders()
        .into_iter()
        .map(|(id, lines)| (id.to_string(), lines))
        .collect()
}

#[tokio::test]
async fn an_order_keeps_its_lines_in_its_row() {
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    record_all(&app, &admin).await;
    assert_eq!(stored(&app).await, expected());
}

#[tokio::test]
async fn the_lines_migration_goes_down_and_up_again_with_orders() {
    use loyalty_migrations::{Migrator, MigratorTrait};
    let app = spawn_app().await;
    let admin = app.active_shop().await;
    record_all(&app, &admin).await;
    loyalty_tests::migrate_down_through(&app.ctx.db, "m20261204_000012_lines_on_orders").await;
    let db = &app.ctx.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT o.external_id, l.line_no, l.product_id, l.group_ids, l.quantity, \
               l.unit_price, l.already_discounted \
             FROM order_lines l JOIN orders o ON o.shop_id = l.shop_id AND o.id = l.order_id \
             ORDER BY o.external_id, l.line_no",
        ))
        .await
        .unwrap_or_else(|e| panic!("order_lines: {e}"));
    let mut tables: Vec<(String, Vec<CleanLine>)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let get = |c: &str| -> i64 { column(row, c) };
        let id: String = column(row, "external_id");
        let groups: String = column(row, "group_ids");
        let line = CleanLine {
            product_id: column(row, "product_id"),
            group_ids: serde_json::from_str(&groups)
                .unwrap_or_else(|e| panic!("group_ids {groups}: {e}")),
            quantity: get("quantity"),
            unit_price: get("unit_price"),
            already_discounted: column(row, "already_discounted"),
        };
        match tables.last_mut() {
            Some((last, lines)) if *last == id => {
                assert_eq!(get("line_no"), lines.len() as i64, "row {i}");
                lines.push(line);
            }
            _ => {
                assert_eq!(get("line_no"), 0, "row {i}");
                tables.push((id, vec![line]));
            }
        }
    }
    assert_eq!(tables, expected(), "the lines as rows of order_lines");
    Migrator::up(db, None)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(stored(&app).await, expected());
}
