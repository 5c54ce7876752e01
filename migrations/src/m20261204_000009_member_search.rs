//! The member columns that only search filters on (name keyword, phone, e-mail, gender,
//! region, birth month), copied to a table of their own with their indexes, so that the
//! member row no longer carries those indexes.
//!
//! Every order updates its customer's counters (points, spend, orders, last purchase),
//! and each of those columns has an index for sorting, so the update is never HOT: every
//! index of the member row gets a new entry, whether its column changed or not. Before
//! this migration that was 16 btree entries and a trigram GIN entry (one per trigram of
//! the name) per order, half of all the index entries an order made, for filters that an
//! order never changes. Here the profile columns' filter indexes move to `member_search`,
//! kept equal to `members` by triggers on the rare writes that change them (a new member,
//! a profile edit, an import); member search filters through it. Sort indexes (name,
//! registration) stay on `members`, since a page sorted by them walks the index.
use crate::support::{shop_index, shop_table_keyed, text, text_null, trgm_schema};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The copied columns, in the order both tables' statements name them.
const COLUMNS: [&str; 7] = [
    "search_name",
    "phone",
    "email",
    "gender",
    "province",
    "district",
    "birth_month",
];

/// The indexes that move: (name on `members`, name on `member_search`, columns).
const MOVED: [(&str, &str, &[&str]); 5] = [
    ("members_phone", "member_search_phone", &["phone"]),
    ("members_email", "member_search_email", &["email"]),
    (
        "members_gender",
        "member_search_gender",
        &["gender", "member_id"],
    ),
    (
        "members_region",
        "member_search_region",
        &["province", "district"],
    ),
    (
        "members_birth_month",
        "member_search_birth_month",
        &["birth_month"],
    ),
];

/// Each copied column through `each`, joined by `sep`.
fn joined(sep: &str, each: impl Fn(&str) -> String) -> String {
    COLUMNS
        .iter()
        .map(|c| each(c))
        .collect::<Vec<_>>()
        .join(sep)
}

/// The triggers that keep `member_search` equal to `members`. A member's row is inserted
/// with its copy, a change to a copied column is copied, and a deleted member takes its
/// copy along. Order writes set none of the copied columns, so they never fire the
/// update trigger.
fn triggers(backend: DatabaseBackend) -> Vec<String> {
    let cols = COLUMNS.join(", ");
    let insert = format!(
        "INSERT INTO member_search (shop_id, member_id, {cols}) VALUES (NEW.shop_id, NEW.id, {})",
        joined(", ", |c| format!("NEW.{c}"))
    );
    let update = format!(
        "UPDATE member_search SET {} WHERE shop_id = NEW.shop_id AND member_id = NEW.id",
        joined(", ", |c| format!("{c} = NEW.{c}"))
    );
    let delete = "DELETE FROM member_search WHERE shop_id = OLD.shop_id AND member_id = OLD.id";
    match backend {
        DatabaseBackend::Postgres => {
            let distinct = joined(" OR ", |c| format!("OLD.{c} IS DISTINCT FROM NEW.{c}"));
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let conn = manager.get_connection();
        manager
            .create_table(
                shop_table_keyed("member_search", &["member_id"])
                    .col(ColumnDef::new("member_id").uuid().not_null())
                    .col(text("search_name"))
                    .col(text_null("phone"))
                    .col(text_null("email"))
                    .col(text("gender"))
                    .col(text_null("province"))
                    .col(text_null("district"))
                    .col(ColumnDef::new("birth_month").integer().null())
                    .to_owned(),
            )
            .await?;
        let cols = COLUMNS.join(", ");
        conn.execute_unprepared(&format!(
            "INSERT INTO member_search (shop_id, member_id, {cols}) SELECT shop_id, id, {cols} FROM members"
        ))
        .await?;
        for statement in triggers(backend) {
            conn.execute_unprepared(&statement).await?;
        }
        for (old, new, cols) in MOVED {
            manager
                .drop_index(Index::drop().name(old).table("members").to_owned())
                .await?;
            manager
                .create_index(shop_index("member_search", new, cols, false))
                .await?;
        }
        if backend == DatabaseBackend::Postgres {
            // The trigram index exists only where the extension could be created
            // (migration m20261123_000003); it moves with the keyword filter.
            if let Some(schema) = trgm_schema(conn).await? {
                conn.execute_unprepared("DROP INDEX IF EXISTS members_search_name_trgm")
                    .await?;
                conn.execute_unprepared(&format!(
                    "CREATE INDEX member_search_name_trgm ON member_search USING gin (search_name {schema}.gin_trgm_ops)"
                ))
                .await?;
            }
            // Until autovacuum gets to the copied rows, the planner would guess a
            // handful of matches for every profile filter and fetch and sort all of
            // them instead of walking the table in member order (420 ms instead of 6 ms
            // for a keyword page at a million members).
            conn.execute_unprepared("ANALYZE member_search").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let conn = manager.get_connection();
        for trigger in [
            "members_search_insert",
            "members_search_update",
            "members_search_delete",
        ] {
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
        for (old, _, cols) in MOVED {
            let cols: Vec<&'static str> = cols
                .iter()
                .map(|&c| if c == "member_id" { "id" } else { c })
                .collect();
            manager
                .create_index(shop_index("members", old, &cols, false))
                .await?;
        }
        if backend == DatabaseBackend::Postgres
            && let Some(schema) = trgm_schema(conn).await?
        {
            // `up` moved the trigram index wherever the extension was installed.
            conn.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS members_search_name_trgm ON members USING gin (search_name {schema}.gin_trgm_ops)"
            ))
            .await?;
        }
        manager
            .drop_table(Table::drop().table("member_search").to_owned())
            .await?;
        Ok(())
    }
}
