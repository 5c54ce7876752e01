//! What the opening-data file said a customer had spent before the shop came here
//! (`opening_spend`): one row per customer, so that importing the same file again
//! replaces it instead of adding it twice, and the ranking spend it gave is known when
//! it is replaced. Orders recorded here add to it; they are never written into it.
use crate::support::{bigint, bigint_null, shop_table_keyed, ts};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table_keyed("opening_spend", &["member_id"])
                    .col(ColumnDef::new("member_id").uuid().not_null())
                    .col(bigint_null("total_spent"))
                    .col(bigint_null("cycle_spent"))
                    .col(bigint("ranking_amount"))
                    .col(ColumnDef::new("ranking_cycle").date().null())
                    .col(ts("imported_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("opening_spend").to_owned())
            .await
    }
}
