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
use crate::member_search_copy;
use crate::support::{shop_index, shop_table_keyed, text, text_null, trgm_schema};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The copied columns, in the order both tables' statements name them.
pub(crate) const COLUMNS: [&str; 7] = [
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
        for statement in member_search_copy::create(backend, &COLUMNS) {
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
        member_search_copy::drop(conn).await?;
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
