//! `member_search` is filled once per insert statement on PostgreSQL, not once per row
//! (issue 30, the opening import at size).
//!
//! The copy's insert trigger ran a PL/pgSQL `INSERT` for every member row: a batch of
//! 5,000 new customers from the opening file was 5,000 trigger calls and 5,000 one-row
//! inserts, a large part of the import's cost on the database's side. A statement-level
//! trigger reads the statement's new rows as a transition table and copies them with one
//! `INSERT ... SELECT`: the same rows, whatever the statement's size (one row for a
//! channel's new customer, thousands for an import batch). The update and delete triggers
//! stay per row: an update copies only when a copied column changed, and PostgreSQL has
//! no transition tables for triggers naming columns. SQLite has no statement-level
//! triggers and keeps its own.
use crate::m20261204_000011_sorts_on_member_search::after;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Replaces the insert trigger (same name and function, so `member_search_copy::drop`
/// still finds them) with a statement-level one reading the transition table, or with
/// the row-level one it replaced.
async fn replace<C: ConnectionTrait>(conn: &C, statement: bool) -> Result<(), DbErr> {
    let columns = after();
    let cols = columns.join(", ");
    let (body, trigger) = if statement {
        (
            format!(
                "INSERT INTO member_search (shop_id, member_id, {cols}) \
                 SELECT shop_id, id, {cols} FROM new_members"
            ),
            "CREATE TRIGGER members_search_insert AFTER INSERT ON members \
             REFERENCING NEW TABLE AS new_members \
             FOR EACH STATEMENT EXECUTE FUNCTION loyalty_member_search_insert()",
        )
    } else {
        let values: Vec<String> = columns.iter().map(|c| format!("NEW.{c}")).collect();
        (
            format!(
                "INSERT INTO member_search (shop_id, member_id, {cols}) \
                 VALUES (NEW.shop_id, NEW.id, {})",
                values.join(", ")
            ),
            "CREATE TRIGGER members_search_insert AFTER INSERT ON members \
             FOR EACH ROW EXECUTE FUNCTION loyalty_member_search_insert()",
        )
    };
    conn.execute_unprepared("DROP TRIGGER IF EXISTS members_search_insert ON members")
        .await?;
    conn.execute_unprepared(&format!(
        "CREATE OR REPLACE FUNCTION loyalty_member_search_insert() RETURNS trigger \
         LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
    ))
    .await?;
    conn.execute_unprepared(trigger).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        replace(manager.get_connection(), true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        replace(manager.get_connection(), false).await
    }
}
