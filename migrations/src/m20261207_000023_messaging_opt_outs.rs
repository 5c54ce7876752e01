//! Messaging consent (issue 26, section 4): one row per member and channel the member
//! opted out of. The channel is text, so a channel added later (SMS) needs no migration;
//! the key `(shop_id, member_id, channel)` also serves the campaigns' "is this member
//! opted out" lookups and counts.
use crate::support::{shop_table_keyed, text, ts};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table_keyed("messaging_opt_outs", &["member_id", "channel"])
                    .col(ColumnDef::new("member_id").uuid().not_null())
                    .col(text("channel"))
                    .col(text("source"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("messaging_opt_outs").to_owned())
            .await
    }
}
