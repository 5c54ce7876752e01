//! A member's cached balances come with the time until which they stay right by
//! themselves: the first time one of the member's live lots matures or expires after
//! they were computed. Until then an order adds its own change to the cache instead of
//! summing every live lot of the member again, a sum that grows with the member's
//! history. NULL means unknown: the next order sums the lots and sets it.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("members")
                    .add_column(
                        ColumnDef::new("points_stable_until")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("members")
                    .drop_column("points_stable_until")
                    .to_owned(),
            )
            .await
    }
}
