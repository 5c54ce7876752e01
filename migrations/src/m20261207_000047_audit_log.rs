//! The audit trail (issue 33): who did what, kept append-only.
//!
//! `audit_log` holds one row per change made with an ADMIN or CHANNEL key or by the
//! operator: the key (or the operator), the action, a summary of its input without
//! secrets or personal data, the time and the request id. `audit_targets` indexes the
//! rows by the ids they touched, so a member's trail is read without a scan. Neither
//! table may be updated or deleted from: the database itself refuses it, with a trigger
//! on both backends (SQLite `RAISE(ABORT)`, a PostgreSQL trigger function that raises),
//! so not even a bug in this service or a hand-typed statement can rewrite history.
//!
//! Ledger entries made by hand and bulk jobs (whose runner writes entries later) carry
//! the key that asked for them, `actor_key_id`.
use crate::support::{add_column, drop_column, shop_index, shop_table, text, text_null, ts};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables no statement may update or delete from.
const APPEND_ONLY: [&str; 2] = ["audit_log", "audit_targets"];

const PG_FUNCTION: &str = "CREATE OR REPLACE FUNCTION loyalty_append_only() \
RETURNS trigger LANGUAGE plpgsql AS $$ \
BEGIN \
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'LY403'; \
END $$";

fn actor_key_id() -> ColumnDef {
    ColumnDef::new("actor_key_id").uuid().null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("audit_log", Some("id"))
                    .col(ts("at"))
                    .col(text("actor"))
                    .col(actor_key_id())
                    .col(text("action"))
                    .col(text("targets"))
                    .col(text("summary"))
                    .col(text_null("request_id"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            // Newest first is `id DESC` (ids are UUID v7): the primary key serves the
            // whole log, these the filters by key and by action.
            ("audit_log_key", &["actor_key_id", "id"][..]),
            ("audit_log_action", &["action", "id"][..]),
        ] {
            manager
                .create_index(shop_index("audit_log", name, cols, false))
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("audit_targets")
                    .col(ColumnDef::new("shop_id").uuid().not_null())
                    .col(text("target_id"))
                    .col(ColumnDef::new("audit_id").uuid().not_null())
                    .primary_key(
                        Index::create()
                            .col("shop_id")
                            .col("target_id")
                            .col("audit_id"),
                    )
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        if postgres {
            conn.execute_unprepared(PG_FUNCTION).await?;
        }
        for table in APPEND_ONLY {
            if postgres {
                conn.execute_unprepared(&format!(
                    "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION loyalty_append_only()"
                ))
                .await?;
                conn.execute_unprepared(&format!(
                    "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} \
                     FOR EACH STATEMENT EXECUTE FUNCTION loyalty_append_only()"
                ))
                .await?;
            } else {
                for op in ["UPDATE", "DELETE"] {
                    let lower = op.to_lowercase();
                    conn.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_no_{lower} BEFORE {op} ON {table} \
                         BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
                    ))
                    .await?;
                }
            }
        }
        // SQLite alters one column per statement.
        manager
            .alter_table(add_column("ledger_entries", actor_key_id()))
            .await?;
        manager
            .alter_table(add_column("bulk_jobs", actor_key_id()))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("bulk_jobs", "actor_key_id"))
            .await?;
        manager
            .alter_table(drop_column("ledger_entries", "actor_key_id"))
            .await?;
        // Dropping a table drops its triggers with it.
        for table in APPEND_ONLY {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS loyalty_append_only()")
                .await?;
        }
        Ok(())
    }
}
