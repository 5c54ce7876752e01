//! Member sessions (issue 27): a token the merchant's website hands to its signed-in
//! customer, which sees that one member only. Like API keys, only the SHA-256 of the
//! token is stored, found by `(shop_id, token_hash)`; a member's sessions are revoked
//! together through `(shop_id, member_id)`.
use crate::support::{shop_index, shop_table, text, ts, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("member_sessions", Some("id"))
                    .col(ColumnDef::new("member_id").uuid().not_null())
                    .col(text("token_hash"))
                    .col(ts("created_at"))
                    .col(ts("expires_at"))
                    .col(ts_null("revoked_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "member_sessions",
                "member_sessions_hash",
                &["token_hash"],
                true,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "member_sessions",
                "member_sessions_member",
                &["member_id", "expires_at"],
                false,
            ))
            .await?;
        // The purge of expired sessions, shop by shop.
        manager
            .create_index(shop_index(
                "member_sessions",
                "member_sessions_expiry",
                &["expires_at"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("member_sessions").to_owned())
            .await
    }
}
