//! Resumable activation (issue 30): BACKFILL of a million members runs in member batches,
//! each its own short transaction, so the state between them needs a home.
//!
//! `program_activations` holds one row per shop: the activation's mode, the instant it
//! started, the cycles it ranks by (the current and the previous cycle and where they
//! begin and end, fixed when it starts so that a resumed run ranks like an uninterrupted
//! one), the program's version it ranks by (a change to the settings or the tiers
//! meanwhile starts the members over), the last member done (`cursor`) and when it
//! finished. The row stays after the
//! program is ACTIVE: a refund of an order recorded before activation reads the cycles
//! from it to take back what BACKFILL counted, so the orders need no tag.
use crate::support::{bigint, shop_table, text, ts, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("program_activations", None)
                    .col(text("mode"))
                    .col(ts("started_at"))
                    .col(ColumnDef::new("current_cycle").date().not_null())
                    .col(ColumnDef::new("previous_cycle").date().null())
                    .col(ts("current_from"))
                    .col(ts_null("previous_from"))
                    .col(ts_null("next_from"))
                    .col(bigint("program_version"))
                    .col(ColumnDef::new("cursor").uuid().null())
                    .col(bigint("members_done"))
                    .col(ts_null("finished_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("program_activations").to_owned())
            .await
    }
}
