//! Where each customer came from (issue 32, item 4; seed 002 "Từ file dữ liệu đầu kỳ" and
//! "Từ Haravan"): `members.source` is `IMPORT` for a customer the opening-data file
//! created, or the sales channel (`WEB`, `POS`, `SOCIAL`, `LIVESTREAM`, `ADMIN`) that
//! first sent it; NULL is unknown.
//!
//! Customers stored before this migration are filled from what the database kept: one
//! the opening file gave opening spend or opening points is `IMPORT`; any other takes
//! the channel of its first order; one with neither stays unknown (NULL). The two
//! statements run in the shop-first key order of the tables they read.
use crate::support::{add_column, drop_column, shop_index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

const FROM_IMPORT: &str = "UPDATE members SET source = 'IMPORT' \
WHERE EXISTS (SELECT 1 FROM opening_spend o WHERE o.shop_id = members.shop_id AND o.member_id = members.id) \
OR EXISTS (SELECT 1 FROM ledger_entries l WHERE l.shop_id = members.shop_id AND l.member_id = members.id AND l.kind = 'IMPORT')";

const FROM_FIRST_ORDER: &str = "UPDATE members SET source = (SELECT o.channel FROM orders o \
WHERE o.shop_id = members.shop_id AND o.member_id = members.id ORDER BY o.placed_at, o.created_at LIMIT 1) \
WHERE source IS NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(
                "members",
                ColumnDef::new("source").text().null().to_owned(),
            ))
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(FROM_IMPORT).await?;
        db.execute_unprepared(FROM_FIRST_ORDER).await?;
        manager
            .create_index(shop_index("members", "members_source", &["source"], false))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("members_source")
                    .table("members")
                    .to_owned(),
            )
            .await?;
        manager.alter_table(drop_column("members", "source")).await
    }
}
