//! Bulk actions by filter (issue 25, section 6): a job freezes the members a filter
//! matched when it was asked for, one item per member, and a background runner applies
//! the action a batch at a time. An item turns DONE in the same transaction as its
//! member's change, so a killed server neither loses nor repeats a member.
use crate::support::{
    bigint, shop_index, shop_table, shop_table_keyed, text, text_null, ts, ts_null,
};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("bulk_jobs", Some("id"))
                    .col(text("kind"))
                    .col(text("params"))
                    .col(text("idempotency_key"))
                    .col(text("request_hash"))
                    .col(text("status"))
                    .col(bigint("total"))
                    .col(bigint("done"))
                    .col(bigint("failed"))
                    .col(ts_null("lease_until"))
                    .col(ts("created_at"))
                    .col(ts_null("finished_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "bulk_jobs",
                "bulk_jobs_key",
                &["kind", "idempotency_key"],
                true,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "bulk_jobs",
                "bulk_jobs_status",
                &["status", "created_at"],
                false,
            ))
            .await?;
        manager
            .create_table(
                shop_table_keyed("bulk_job_items", &["job_id", "member_id"])
                    .col(ColumnDef::new("job_id").uuid().not_null())
                    .col(ColumnDef::new("member_id").uuid().not_null())
                    .col(text("state"))
                    .col(text_null("error"))
                    .to_owned(),
            )
            .await?;
        // The runner's next batch: a job's pending items in member order.
        manager
            .create_index(shop_index(
                "bulk_job_items",
                "bulk_job_items_state",
                &["job_id", "state", "member_id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["bulk_job_items", "bulk_jobs"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
