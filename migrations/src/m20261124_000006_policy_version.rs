//! A version on each shop's program row, raised by every transaction that locks the row
//! to change the program or its tiers. API replicas cache the shop's policy (program,
//! tiers, time zone) and a write re-reads only this row to know whether the cache holds.
use crate::support::{add_column, drop_column};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(
                "programs",
                ColumnDef::new("version")
                    .big_integer()
                    .not_null()
                    .default(1),
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("programs", "version"))
            .await
    }
}
