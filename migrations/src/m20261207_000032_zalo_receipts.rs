//! Zalo's delivery receipts: a delivery gets the time its message reached the phone
//! (`delivered_at`), found by the provider's message id within the shop (an index on
//! `(shop_id, provider_id)`, as every index starts with the shop); and a shop's OA keeps
//! the OA secret key of its webhook settings, sealed, which signs the receipts.
use crate::support::{add_column, drop_column, shop_index, text_null, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column("campaign_deliveries", ts_null("delivered_at")))
            .await?;
        manager
            .create_index(shop_index(
                "campaign_deliveries",
                "campaign_deliveries_provider_id",
                &["provider_id"],
                false,
            ))
            .await?;
        manager
            .alter_table(add_column(
                "zalo_oa_accounts",
                text_null("webhook_secret_key"),
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("zalo_oa_accounts", "webhook_secret_key"))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("campaign_deliveries_provider_id")
                    .table("campaign_deliveries")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(drop_column("campaign_deliveries", "delivered_at"))
            .await
    }
}
