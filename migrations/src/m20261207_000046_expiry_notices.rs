//! Where each shop's `points.expiring_soon` scan has reached (issue 29 §1): the scan
//! raises the event for lots that came within the notice window since this instant, so
//! each lot is announced once however often, and on however many replicas, it runs.
use crate::support::{shop_table, ts};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("expiry_notices", None)
                    .col(ts("scanned_until"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("expiry_notices").to_owned())
            .await
    }
}
