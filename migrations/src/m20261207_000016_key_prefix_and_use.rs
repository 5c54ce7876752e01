//! What a shop's ADMIN sees of its keys: the first characters of each (enough to tell
//! them apart, never the secret, which is not stored) and when it was last used, so
//! that a key nobody uses any more can be found and revoked. Keys made before this have
//! no stored prefix; only their shop part is known.
use crate::support::{add_column, drop_column, text_null, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(add_column("api_keys", text_null("prefix")))
            .await?;
        manager
            .alter_table(add_column("api_keys", ts_null("last_used_at")))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("api_keys", "last_used_at"))
            .await?;
        manager.alter_table(drop_column("api_keys", "prefix")).await
    }
}
