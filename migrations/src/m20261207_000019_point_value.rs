//! The redemption rate follows a reward point's value (seed 001 step 3) until the
//! merchant sets it. `redemption_rate_set` says whether the merchant did; while it is
//! false, `points_per_thousand_vnd` only holds the nearest whole number for readers.
//!
//! Programs stored before this held a number the merchant may or may not have chosen.
//! A DRAFT program still at the old default (1 point pays 1,000 VND) and a reward rate
//! above zero takes the point value; every other program keeps its number as the
//! merchant's. An ACTIVE program is never changed: what its members' points pay is a
//! money rule of a running program. The changed rows raise their version, so every
//! replica's cached policy of those shops is stale at once.
use crate::support::{add_column, drop_column};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(
                "programs",
                ColumnDef::new("redemption_rate_set")
                    .boolean()
                    .not_null()
                    .default(true),
            ))
            .await?;
        let follow = Query::update()
            .table("programs")
            .value("redemption_rate_set", false)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("status").eq("DRAFT"))
            .and_where(Expr::col("points_per_thousand_vnd").eq(1))
            .and_where(Expr::col("reward_rate_percent").ne("0"))
            .to_owned();
        manager.exec_stmt(follow).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A program that followed the point value keeps its nearest whole number, the
        // closest the old schema comes to what its points paid.
        manager
            .alter_table(drop_column("programs", "redemption_rate_set"))
            .await
    }
}
