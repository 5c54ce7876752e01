//! A reward may have a stock (redemptions left; NULL: unlimited) and be kept for some
//! tiers (`tier_ids`, a JSON array of tier ids; NULL: every tier).
//!
//! The stock is taken one at a time by a guarded update in the redemption's
//! transaction (`stock = stock - 1 WHERE stock > 0`), so concurrent redemptions wait on
//! the reward's row and never take more than there is; the CHECK says the same to
//! anything else that writes the column.
use crate::support::{add_column, drop_column, text_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(
                "rewards",
                ColumnDef::new("stock")
                    .big_integer()
                    .null()
                    .check(Expr::col("stock").gte(0))
                    .to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column("rewards", text_null("tier_ids")))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("rewards", "tier_ids"))
            .await?;
        manager.alter_table(drop_column("rewards", "stock")).await
    }
}
