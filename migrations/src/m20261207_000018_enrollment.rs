//! Who takes part in a program (issue 25, section 2): `programs.enrollment` is
//! `MEMBERS_ONLY` (registered members get the tier discount, earn and redeem) or
//! `ALL_CUSTOMERS` (every customer does, as before this). A program that existed before
//! this migration keeps working as it did: the column's default, which fills its row,
//! is `ALL_CUSTOMERS`. A program made after it is written whole by the application,
//! whose default for a new shop is `MEMBERS_ONLY`.
//!
//! `campaigns.include_non_members`: a campaign of a members-only program reaches the
//! registered members of its audience only, unless this is set.
use crate::support::{add_column, drop_column};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(add_column(
                "programs",
                ColumnDef::new("enrollment")
                    .text()
                    .not_null()
                    .default("ALL_CUSTOMERS")
                    .to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column(
                "campaigns",
                ColumnDef::new("include_non_members")
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("campaigns", "include_non_members"))
            .await?;
        manager
            .alter_table(drop_column("programs", "enrollment"))
            .await
    }
}
