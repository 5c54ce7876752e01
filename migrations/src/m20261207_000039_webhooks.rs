//! Events and webhooks (issue 29): the transactional outbox `events`, written in the
//! transaction of the change it tells; the shops' `webhook_endpoints`, each with its
//! signing secret sealed under `LOYALTY_SECRET_KEY`; and `webhook_deliveries`, one row per
//! event and endpoint, which is at once the delivery worker's queue and its record.
//!
//! Deliveries are claimed shop by shop (`webhook_deliveries_due`), and a delivery waits
//! for the earlier ones of its member on its endpoint (`webhook_deliveries_order`), so
//! a partner sees one member's events in the order they happened.
use crate::support::{bigint, bigint_null, shop_index, shop_table, text, text_null, ts, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("events", Some("id"))
                    .col(text("event_type"))
                    .col(ColumnDef::new("member_id").uuid().null())
                    .col(text("payload"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        // Readers of the outbox (journeys) follow one type from a point in time.
        manager
            .create_index(shop_index(
                "events",
                "events_type",
                &["event_type", "id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                shop_table("webhook_endpoints", Some("id"))
                    .col(text("url"))
                    .col(text("description"))
                    .col(text("event_types"))
                    .col(text("secret"))
                    .col(text("status"))
                    .col(text_null("disabled_reason"))
                    .col(ts_null("failing_since"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                shop_table("webhook_deliveries", Some("id"))
                    .col(ColumnDef::new("endpoint_id").uuid().not_null())
                    .col(ColumnDef::new("event_id").uuid().not_null())
                    .col(text("event_type"))
                    .col(text("order_key"))
                    .col(text("status"))
                    .col(bigint("attempts"))
                    .col(ts("next_attempt_at"))
                    .col(ts("retry_until"))
                    .col(ColumnDef::new("lease").uuid().null())
                    .col(ts_null("lease_until"))
                    .col(bigint_null("last_status"))
                    .col(text_null("last_error"))
                    .col(ts_null("delivered_at"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        // An endpoint's deliveries, newest last, in its status or any.
        manager
            .create_index(shop_index(
                "webhook_deliveries",
                "webhook_deliveries_endpoint",
                &["endpoint_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "webhook_deliveries",
                "webhook_deliveries_order",
                &["endpoint_id", "order_key", "status", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "webhook_deliveries",
                "webhook_deliveries_due",
                &["status", "next_attempt_at"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["webhook_deliveries", "webhook_endpoints", "events"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
