//! A member's cached balances come with the time until which they stay right by
//! themselves: the first time one of the member's live lots matures or expires after
//! they were computed. Until then an order adds its own change to the cache instead of
//! summing every live lot of the member again, a sum that grows with the member's
//! history. NULL means unknown: the next order sums the lots and sets it.
use crate::support::{add_column, drop_column, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column("members", ts_null("points_stable_until")))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("members", "points_stable_until"))
            .await
    }
}
