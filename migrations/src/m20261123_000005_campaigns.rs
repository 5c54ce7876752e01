//! Broadcast campaigns, their per-recipient deliveries (the durable job queue), and each
//! shop's messaging balance with its top-ups.
use crate::support::{bigint, shop_index, shop_table, text, text_null, ts, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn col(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("campaigns", Some("id"))
                    .col(text("name"))
                    .col(text("channel"))
                    .col(text("status"))
                    .col(text("audience"))
                    .col(text("content"))
                    .col(col("offer_id").uuid().null())
                    .col(bigint("attribution_days"))
                    .col(ts_null("scheduled_at"))
                    .col(ts_null("started_at"))
                    .col(ts_null("finished_at"))
                    .col(ts_null("resume_at"))
                    .col(text_null("status_reason"))
                    .col(bigint("recipients"))
                    .col(bigint("skipped"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "campaigns",
                "campaigns_status",
                &["status", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                shop_table("campaign_deliveries", Some("id"))
                    .col(col("campaign_id").uuid().not_null())
                    .col(col("member_id").uuid().not_null())
                    .col(text_null("address"))
                    .col(text("status"))
                    .col(text_null("skip_reason"))
                    .col(bigint("attempts"))
                    .col(ts("next_attempt_at"))
                    .col(ts_null("lease_until"))
                    .col(
                        col("held")
                            .big_integer()
                            .not_null()
                            .check(Expr::col("held").gte(0)),
                    )
                    .col(bigint("cost"))
                    .col(text_null("error_code"))
                    .col(text_null("error_message"))
                    .col(text_null("provider_id"))
                    .col(text_null("voucher_code"))
                    .col(ts_null("sent_at"))
                    .col(ts_null("attributed_until"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        // One delivery per recipient and campaign: the record that makes sending exactly
        // once on our side, whatever the workers do.
        manager
            .create_index(shop_index(
                "campaign_deliveries",
                "campaign_deliveries_recipient",
                &["campaign_id", "member_id"],
                true,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "campaign_deliveries",
                "campaign_deliveries_due",
                &["campaign_id", "status", "next_attempt_at"],
                false,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "campaign_deliveries",
                "campaign_deliveries_member",
                &["member_id", "sent_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                shop_table("messaging_accounts", None)
                    .col(
                        col("balance")
                            .big_integer()
                            .not_null()
                            .check(Expr::col("balance").gte(0)),
                    )
                    .col(ts_null("window_start"))
                    .col(bigint("window_count"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                shop_table("messaging_topups", Some("id"))
                    .col(bigint("amount"))
                    .col(bigint("balance_after"))
                    .col(text_null("note"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "messaging_topups",
            "messaging_accounts",
            "campaign_deliveries",
            "campaigns",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
