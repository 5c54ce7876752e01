//! What an offer's limits count (issue 28), written in the order's transaction by
//! guarded updates so that concurrent orders never take more than the limit:
//! - `offer_budgets`: per offer, uses and discount given so far;
//! - `offer_customer_uses`: per offer and customer (`member:<id>`, or `phone:<number>`
//!   for guests of a public code), uses so far;
//! - `offer_order_uses`: per order, what it counted of each limited offer, so that a
//!   refund gives exactly that back, once.
use crate::support::{bigint, shop_table_keyed, text};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn uuid(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table_keyed("offer_budgets", &["offer_id"])
                    .col(uuid("offer_id"))
                    .col(bigint("uses").check(Expr::col("uses").gte(0)).to_owned())
                    .col(
                        bigint("discount")
                            .check(Expr::col("discount").gte(0))
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                shop_table_keyed("offer_customer_uses", &["offer_id", "customer"])
                    .col(uuid("offer_id"))
                    .col(text("customer"))
                    .col(bigint("uses").check(Expr::col("uses").gte(0)).to_owned())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                shop_table_keyed("offer_order_uses", &["order_id", "offer_id"])
                    .col(uuid("order_id"))
                    .col(uuid("offer_id"))
                    .col(text("customer"))
                    .col(bigint("uses"))
                    .col(bigint("discount"))
                    .col(
                        ColumnDef::new("given_back")
                            .boolean()
                            .not_null()
                            .default(false)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["offer_order_uses", "offer_customer_uses", "offer_budgets"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
