//! The expiry job's index holds only the lots that still have points (issue 30).
//!
//! The job asks for a shop's lots past their expiry with points remaining, soonest
//! first. `point_lots_expiry (shop_id, expires_at, remaining)` held every lot, so once a
//! shop had years of history each batch walked past all the lots that had expired and
//! were recorded long ago (a third of the lots at three years' history, with nothing
//! left) to find the few due. A partial index on `remaining > 0` holds only live lots:
//! the due ones are its first entries, whatever the history. The job that refreshes
//! cached balances reads the same live lots by expiry. Partial indexes are the same SQL
//! on SQLite and PostgreSQL.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX point_lots_live_expiry ON point_lots (shop_id, expires_at) \
             WHERE remaining > 0",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS point_lots_expiry")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX point_lots_expiry ON point_lots (shop_id, expires_at, remaining)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS point_lots_live_expiry")
            .await?;
        Ok(())
    }
}
