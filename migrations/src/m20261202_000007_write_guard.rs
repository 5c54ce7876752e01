//! `loyalty_guard(ok, what)` on PostgreSQL: raises SQLSTATE `LY409` unless `ok`.
//!
//! The PostgreSQL order path writes a whole order in one statement whose parts check
//! what they found (the member row unchanged since it was read, every voucher still
//! unused, every lot still holding the points). A part that finds otherwise must undo
//! the others; calling this in the statement's result turns a failed check into an
//! error, which rolls the whole statement back. SQLite has no such path and gets nothing.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE: &str = "CREATE OR REPLACE FUNCTION loyalty_guard(ok boolean, what text) \
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$ \
BEGIN \
  IF ok IS NOT TRUE THEN \
    RAISE EXCEPTION 'loyalty guard: %', what USING ERRCODE = 'LY409'; \
  END IF; \
  RETURN true; \
END $$";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(CREATE).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS loyalty_guard(boolean, text)")
                .await?;
        }
        Ok(())
    }
}
