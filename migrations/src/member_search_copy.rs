//! The triggers that keep `member_search` equal to `members` for a list of copied
//! columns. Shared by the migrations that made the copy (`m20261204_000009`) and that
//! widened it (`m20261204_000011`): each passes the column list of its own time, so an
//! old migration still creates what it created when it shipped.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

const TRIGGERS: [&str; 3] = [
    "members_search_insert",
    "members_search_update",
    "members_search_delete",
];

/// Each of `columns` through `each`, joined by `sep`.
fn joined(columns: &[&str], sep: &str, each: impl Fn(&str) -> String) -> String {
    columns
        .iter()
        .map(|c| each(c))
        .collect::<Vec<_>>()
        .join(sep)
}

/// The statements creating the triggers for `columns`. A member's row is inserted with
/// its copy, a change to a copied column is copied, and a deleted member takes its copy
/// along. Order writes change none of the copied columns' values, so the update trigger
/// does no work for them (on PostgreSQL its `WHEN` is false).
pub fn create(backend: DatabaseBackend, columns: &[&str]) -> Vec<String> {
    let cols = columns.join(", ");
    let insert = format!(
        "INSERT INTO member_search (shop_id, member_id, {cols}) VALUES (NEW.shop_id, NEW.id, {})",
        joined(columns, ", ", |c| format!("NEW.{c}"))
    );
    let update = format!(
        "UPDATE member_search SET {} WHERE shop_id = NEW.shop_id AND member_id = NEW.id",
        joined(columns, ", ", |c| format!("{c} = NEW.{c}"))
    );
    let delete = "DELETE FROM member_search WHERE shop_id = OLD.shop_id AND member_id = OLD.id";
    match backend {
        DatabaseBackend::Postgres => {
            let distinct = joined(columns, " OR ", |c| {
                format!("OLD.{c} IS DISTINCT FROM NEW.{c}")
            });
            vec![
                format!(
                    "CREATE FUNCTION loyalty_member_search_insert() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN {insert}; RETURN NULL; END $$"
                ),
                format!(
                    "CREATE FUNCTION loyalty_member_search_update() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN {update}; RETURN NULL; END $$"
                ),
                format!(
                    "CREATE FUNCTION loyalty_member_search_delete() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN {delete}; RETURN NULL; END $$"
                ),
                "CREATE TRIGGER members_search_insert AFTER INSERT ON members \
                 FOR EACH ROW EXECUTE FUNCTION loyalty_member_search_insert()"
                    .to_string(),
                format!(
                    "CREATE TRIGGER members_search_update AFTER UPDATE OF {cols} ON members \
                     FOR EACH ROW WHEN ({distinct}) EXECUTE FUNCTION loyalty_member_search_update()"
                ),
                "CREATE TRIGGER members_search_delete AFTER DELETE ON members \
                 FOR EACH ROW EXECUTE FUNCTION loyalty_member_search_delete()"
                    .to_string(),
            ]
        }
        _ => vec![
            format!(
                "CREATE TRIGGER members_search_insert AFTER INSERT ON members BEGIN {insert}; END"
            ),
            format!(
                "CREATE TRIGGER members_search_update AFTER UPDATE OF {cols} ON members BEGIN {update}; END"
            ),
            format!(
                "CREATE TRIGGER members_search_delete AFTER DELETE ON members BEGIN {delete}; END"
            ),
        ],
    }
}

/// Drops the triggers (and on PostgreSQL their functions), whatever columns they copy.
pub async fn drop<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    for trigger in TRIGGERS {
        let sql = match backend {
            DatabaseBackend::Postgres => format!("DROP TRIGGER IF EXISTS {trigger} ON members"),
            _ => format!("DROP TRIGGER IF EXISTS {trigger}"),
        };
        conn.execute_unprepared(&sql).await?;
    }
    if backend == DatabaseBackend::Postgres {
        for kind in ["insert", "update", "delete"] {
            conn.execute_unprepared(&format!(
                "DROP FUNCTION IF EXISTS loyalty_member_search_{kind}()"
            ))
            .await?;
        }
    }
    Ok(())
}
