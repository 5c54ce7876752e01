//! An index on the few ledger entries that move a member's debt.
//!
//! Every order needs the points its customer owes from refunds of spent points: the sum
//! of `debt_change` over the customer's entries. Almost every entry has none, so summing
//! all of them costs as much as the customer's whole history. A partial index holds only
//! the entries that do (refunds and the earnings that repay them), and the sum reads
//! just those. Partial indexes are the same SQL on SQLite and PostgreSQL.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ledger_entries_debt ON ledger_entries (shop_id, member_id) \
                 WHERE debt_change <> 0",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ledger_entries_debt")
            .await?;
        Ok(())
    }
}
