//! Changes an operator makes to a running program (issue 32, item 3; seed 001: the
//! ranking conversion is fixed after activation, and a merchant who needs it changed asks
//! support). One row per change: what changed from what to what, who and when, and how
//! far re-ranking the shop's members has got (`cursor`: the last member id re-ranked),
//! so that a run that stopped part-way resumes where it stopped. Self-contained: the
//! general audit trail keeps its own table.
use crate::support::{bigint, shop_index, shop_table_keyed, text, ts, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table_keyed("program_changes", &["id"])
                    .col(ColumnDef::new("id").uuid().not_null())
                    .col(text("setting"))
                    .col(text("old_value"))
                    .col(text("new_value"))
                    .col(text("changed_by"))
                    .col(text("status"))
                    .col(bigint("members_total"))
                    .col(bigint("members_done"))
                    .col(ColumnDef::new("cursor").uuid().null())
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(ts_null("finished_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "program_changes",
                "program_changes_created",
                &["created_at"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("program_changes").to_owned())
            .await
    }
}
