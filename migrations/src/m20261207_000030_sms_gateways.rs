//! A shop's own SMS gateway account (`sms_gateways`), one row per shop: its eSMS API key
//! and secret key, both sealed under `LOYALTY_SECRET_KEY`, and the brand name its
//! messages show; without one the server's `LOYALTY_ESMS_*` account sends the shop's SMS.
use crate::support::{shop_table, text, ts};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("sms_gateways", None)
                    .col(text("api_key"))
                    .col(text("secret_key"))
                    .col(text("brand_name"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("sms_gateways").to_owned())
            .await
    }
}
