//! The member widget's settings per shop (issue 27): the browser origins allowed to call
//! the API with a member token, and the widget's theme, both JSON text.
use crate::support::{shop_table, text, ts};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("widget_settings", None)
                    .col(text("allowed_origins"))
                    .col(text("theme"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("widget_settings").to_owned())
            .await
    }
}
