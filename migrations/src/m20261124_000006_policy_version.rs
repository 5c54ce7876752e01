//! A version on each shop's program row, raised by every transaction that locks the row
//! to change the program or its tiers. API replicas cache the shop's policy (program,
//! tiers, time zone) and a write re-reads only this row to know whether the cache holds.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("programs")
                    .add_column(
                        ColumnDef::new("version")
                            .big_integer()
                            .not_null()
                            .default(1),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("programs")
                    .drop_column("version")
                    .to_owned(),
            )
            .await
    }
}
