//! The command line's import of a file of thousands of rows (several batches' worth of
//! new customers, known ones, customers twice, bad rows, opening spend and points),
//! imported twice: the second run changes nothing and reports the same refusals.
use loyalty_domain::members::import::{ImportReport, import_csv};
use loyalty_entities::{event, ledger_entry, member, member_search, opening_spend, point_lot};
use loyalty_tests::{TestApp, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use std::io::Cursor;
use uuid::Uuid;

const ROWS: usize = 5_000;

/// Row `i` of the file. Every 10th customer is known before the import, every 97th row
/// is refused (its cycle spend above its total), every 250th repeats the row before it
/// word for word, and every other customer brings opening points.
fn row(i: usize) -> String {
    let id = if i.is_multiple_of(10) {
        format!("known{i}")
    } else {
        format!("c{i}")
    };
    let (total, cycle) = if i.is_multiple_of(97) {
        (1_000, 2_000)
    } else {
        (i * 1_000, i * 500)
    };
    let points = if i.is_multiple_of(2) { i % 700 } else { 0 };
    format!(
        "{id},Khách {i},09{:08},c{i}@shop.vn,{},Hà Nội,{},{total},{cycle},2026-0{}-1{} 10:00,{points},{}\n",
        i,
        ["nữ", "nam", ""][i % 3],
        i % 40,
        1 + i % 9,
        i % 10,
        i.is_multiple_of(3),
    )
}

fn file() -> String {
    let mut csv = String::from(
        "external_id,name,phone,email,gender,province,total_orders,total_spent,cycle_spent,last_purchase_at,opening_points,registered\n",
    );
    let mut last = String::new();
    for i in 1..=ROWS {
        let line = if i.is_multiple_of(250) {
            last.clone()
        } else {
            row(i)
        };
        csv.push_str(&line);
        last = line;
    }
    csv
}

fn fail<T>(e: sea_orm::DbErr) -> T {
    panic!("{e}")
}

/// Everything the import writes in the shop, as text.
async fn snapshot(app: &TestApp, shop: Uuid) -> Vec<String> {
    let db = &app.ctx.db;
    let members = member::Entity::find()
        .filter(member::Column::ShopId.eq(shop))
        .order_by_asc(member::Column::ExternalId)
        .all(db)
        .await
        .unwrap_or_else(fail);
    let search = member_search::Entity::find()
        .filter(member_search::Column::ShopId.eq(shop))
        .order_by_asc(member_search::Column::MemberId)
        .all(db)
        .await
        .unwrap_or_else(fail);
    let opening = opening_spend::Entity::find()
        .filter(opening_spend::Column::ShopId.eq(shop))
        .order_by_asc(opening_spend::Column::MemberId)
        .all(db)
        .await
        .unwrap_or_else(fail);
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ShopId.eq(shop))
        .order_by_asc(ledger_entry::Column::Id)
        .all(db)
        .await
        .unwrap_or_else(fail);
    let lots = point_lot::Entity::find()
        .filter(point_lot::Column::ShopId.eq(shop))
        .order_by_asc(point_lot::Column::Id)
        .all(db)
        .await
        .unwrap_or_else(fail);
    let events = event::Entity::find()
        .filter(event::Column::ShopId.eq(shop))
        .order_by_asc(event::Column::Id)
        .all(db)
        .await
        .unwrap_or_else(fail);
    assert_eq!(search.len(), members.len(), "a search row per member");
    assert!(
        events.iter().any(|e| e.event_type == "member.registered"),
        "the file registers customers"
    );
    members
        .iter()
        .map(|r| format!("{r:?}"))
        .chain(search.iter().map(|r| format!("{r:?}")))
        .chain(opening.iter().map(|r| format!("{r:?}")))
        .chain(entries.iter().map(|r| format!("{r:?}")))
        .chain(lots.iter().map(|r| format!("{r:?}")))
        .chain(events.iter().map(|r| format!("{r:?}")))
        .collect()
}

async fn import(app: &TestApp, shop: Uuid, csv: &str) -> ImportReport {
    import_csv(&app.ctx, shop, Cursor::new(csv.to_owned()), |_| {})
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_large_file_imported_twice_changes_nothing_the_second_time() {
    let app = spawn_app().await;
    let (shop, admin) = app.create_shop("A").await;
    let shop = Uuid::parse_str(&shop).unwrap_or_else(|e| panic!("{e}"));
    app.activate(&admin, json!({}), "INITIAL_TIER").await;
    loyalty_tests::subscribe_directly(&app.ctx, shop, &["member.registered"]).await;
    for i in (10..=ROWS).step_by(10) {
        if i.is_multiple_of(500) {
            app.upsert_member(&admin, json!({"externalId": format!("known{i}")}))
                .await;
        }
    }
    let csv = file();
    let first = import(&app, shop, &csv).await;
    let after_first = snapshot(&app, shop).await;
    let second = import(&app, shop, &csv).await;
    let after_second = snapshot(&app, shop).await;

    // A repeated row is refused when the row it repeats is.
    let refused: Vec<u64> = (1..=ROWS)
        .filter(|i| (if i.is_multiple_of(250) { i - 1 } else { *i }).is_multiple_of(97))
        .map(|i| i as u64 + 1)
        .collect();
    let valid = (ROWS - refused.len()) as u64;
    assert_eq!(first.read, ROWS as u64);
    assert_eq!(
        first.rejected.iter().map(|r| r.line).collect::<Vec<_>>(),
        refused
    );
    assert_eq!(second.rejected, first.rejected);
    assert!(first.points_imported > 0);
    // A repeated row finds what the row before it wrote.
    assert_eq!(first.imported + first.unchanged, valid);
    assert_eq!(
        (
            second.read,
            second.imported,
            second.unchanged,
            second.points_imported
        ),
        (ROWS as u64, 0, valid, 0)
    );
    assert_eq!(second.warnings, first.warnings);
    assert_eq!(after_second.len(), after_first.len());
    for (a, b) in after_first.iter().zip(&after_second) {
        assert_eq!(a, b);
    }
}
