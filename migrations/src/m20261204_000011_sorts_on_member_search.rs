//! The sort indexes on name and registration move from `members` to `member_search`
//! (which gains a copy of `registered_at`), so that the member row, updated by every
//! order, keeps only the indexes that serve its own counters, its keys and its tier.
//!
//! The update an order makes of its customer is never HOT, so every index of the member
//! row costs every order an entry (docs/performance.md, "Name and registration sorts off
//! the member row"). A page sorted by name or registration walks `member_search`'s index
//! and looks up the member rows it needs (`domain::members::listing`).
use crate::m20261204_000009_member_search::COLUMNS as BEFORE;
use crate::member_search_copy;
use crate::support::{add_column, drop_column, shop_index, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns it copies from this migration on: those of `m20261204_000009`, and the
/// registration time.
pub(crate) fn after() -> Vec<&'static str> {
    let mut columns = BEFORE.to_vec();
    columns.push("registered_at");
    columns
}

/// The indexes that move: (name and columns on `members`, name and columns on
/// `member_search`).
const MOVED: [(&str, &[&str], &str, &[&str]); 2] = [
    (
        "members_search_name",
        &["search_name"],
        "member_search_name",
        &["search_name", "member_id"],
    ),
    (
        "members_registered",
        &["registered_at", "id"],
        "member_search_registered",
        &["registered_at", "member_id"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let conn = manager.get_connection();
        manager
            .alter_table(add_column("member_search", ts_null("registered_at")))
            .await?;
        conn.execute_unprepared(
            "UPDATE member_search SET registered_at = (SELECT m.registered_at FROM members m \
             WHERE m.shop_id = member_search.shop_id AND m.id = member_search.member_id)",
        )
        .await?;
        member_search_copy::drop(conn).await?;
        for statement in member_search_copy::create(backend, &after()) {
            conn.execute_unprepared(&statement).await?;
        }
        for (old, _, new, cols) in MOVED {
            manager
                .create_index(shop_index("member_search", new, cols, false))
                .await?;
            manager
                .drop_index(Index::drop().name(old).table("members").to_owned())
                .await?;
        }
        if backend == DatabaseBackend::Postgres {
            conn.execute_unprepared("ANALYZE member_search").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let conn = manager.get_connection();
        for (old, cols, new, _) in MOVED {
            manager
                .create_index(shop_index("members", old, cols, false))
                .await?;
            manager
                .drop_index(Index::drop().name(new).table("member_search").to_owned())
                .await?;
        }
        member_search_copy::drop(conn).await?;
        for statement in member_search_copy::create(backend, &BEFORE) {
            conn.execute_unprepared(&statement).await?;
        }
        manager
            .alter_table(drop_column("member_search", "registered_at"))
            .await?;
        Ok(())
    }
}
