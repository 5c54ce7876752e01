//! Offer images (issue 32): the uploaded square picture of an offer, already resized to
//! 500 x 500, kept in the database beside its offer so that every replica serves it
//! without a shared disk, and a backup of the database is a backup of the images.
use crate::support::{shop_table_keyed, text, ts};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table_keyed("offer_images", &["offer_id"])
                    .col(ColumnDef::new("offer_id").uuid().not_null())
                    .col(text("content_type"))
                    .col(ColumnDef::new("content").blob().not_null())
                    .col(text("digest"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("offer_images").to_owned())
            .await
    }
}
