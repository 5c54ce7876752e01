//! Automated journeys (issue 29 §2): a message a trigger sends each member once per
//! occurrence (a birthday a year, a reminder per expiring lot, a tier change).
//!
//! A journey owns a campaign of kind `JOURNEY`, whose delivery rows are the same durable
//! queue and record as a broadcast's (balance, rate, retries, report and attribution).
//! Each such row names its occurrence (`birthday:2027`, `lot:<id>`, …), and the unique
//! index `campaign_deliveries_occurrence` makes a second scheduler, a rerun or a catch-up
//! after downtime insert nothing new (`ON CONFLICT DO NOTHING`). Broadcast rows leave it
//! NULL, which a unique index never counts as equal.
use crate::support::{add_column, drop_column, shop_index, shop_table, text, text_null, ts};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("journeys", Some("id"))
                    .col(ColumnDef::new("campaign_id").uuid().not_null())
                    .col(text("name"))
                    .col(text("trigger"))
                    .col(ColumnDef::new("days").big_integer().null())
                    .col(text("status"))
                    .col(ts("scanned_until"))
                    .col(ColumnDef::new("event_mark").uuid().not_null())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        // The scheduler reads a shop's active journeys.
        manager
            .create_index(shop_index(
                "journeys",
                "journeys_status",
                &["status", "id"],
                false,
            ))
            .await?;
        manager
            .alter_table(add_column(
                "campaigns",
                ColumnDef::new("kind")
                    .text()
                    .not_null()
                    .default("BROADCAST")
                    .to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column("campaign_deliveries", text_null("occurrence")))
            .await?;
        manager
            .alter_table(add_column("campaign_deliveries", text_null("fields")))
            .await?;
        manager
            .create_index(shop_index(
                "campaign_deliveries",
                "campaign_deliveries_occurrence",
                &["campaign_id", "member_id", "occurrence"],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("campaign_deliveries_occurrence")
                    .table("campaign_deliveries")
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            ("campaign_deliveries", "fields"),
            ("campaign_deliveries", "occurrence"),
            ("campaigns", "kind"),
        ] {
            manager.alter_table(drop_column(table, column)).await?;
        }
        manager
            .drop_table(Table::drop().table("journeys").to_owned())
            .await
    }
}
