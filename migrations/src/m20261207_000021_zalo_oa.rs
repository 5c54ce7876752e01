//! A shop's own Zalo Official Account (`zalo_oa_accounts`), one row per shop: the app's
//! id, the OA's tokens sealed under `LOYALTY_SECRET_KEY`, when the access token expires,
//! and the lease that lets one refresh at a time run for the shop across replicas
//! (Zalo's refresh tokens are single use).
use crate::support::{bigint, shop_table, text, text_null, ts, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("zalo_oa_accounts", None)
                    .col(text("app_id"))
                    .col(text_null("oa_id"))
                    .col(text("secret_key"))
                    .col(text("access_token"))
                    .col(text("refresh_token"))
                    .col(ts("token_expires_at"))
                    .col(bigint("token_version"))
                    .col(text("status"))
                    .col(text_null("status_reason"))
                    .col(ColumnDef::new("refresh_lease").uuid().null())
                    .col(ts_null("refresh_lease_until"))
                    .col(bigint("refresh_count"))
                    .col(ts_null("refreshed_at"))
                    .col(ts("connected_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("zalo_oa_accounts").to_owned())
            .await
    }
}
