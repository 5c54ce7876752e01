//! The key that signs a shop's unsubscribe links when the server has no
//! `LOYALTY_UNSUBSCRIBE_KEY`: made once per shop, on its first e-mail, and kept in the
//! database so every replica signs and checks with the same one.
use crate::support::{shop_table, text, ts};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("unsubscribe_keys", None)
                    .col(text("key"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("unsubscribe_keys").to_owned())
            .await
    }
}
