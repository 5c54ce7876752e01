//! How an offer reaches a checkout and how it stacks (issue 28): `delivery` (VOUCHER,
//! AUTOMATIC or PUBLIC_CODE), the merchant's public `code` (unique per shop), `priority`
//! and `exclusive`, and the limits `budget_uses`, `budget_discount` and
//! `per_customer_limit` (NULL: unlimited). Existing offers stay personal vouchers.
use crate::support::{add_column, bigint_null, drop_column, shop_index, text_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const LIMITS: [&str; 3] = ["budget_uses", "budget_discount", "per_customer_limit"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        manager
            .alter_table(add_column(
                "offers",
                ColumnDef::new("delivery")
                    .text()
                    .not_null()
                    .default("VOUCHER")
                    .to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column("offers", text_null("code")))
            .await?;
        manager
            .alter_table(add_column(
                "offers",
                ColumnDef::new("priority")
                    .big_integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
            ))
            .await?;
        manager
            .alter_table(add_column(
                "offers",
                ColumnDef::new("exclusive")
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
            ))
            .await?;
        for limit in LIMITS {
            manager
                .alter_table(add_column("offers", bigint_null(limit)))
                .await?;
        }
        // A public code is typed at checkout like a voucher's and names one offer.
        manager
            .create_index(shop_index("offers", "offers_code", &["code"], true))
            .await?;
        // The automatic offers a checkout reads: the shop's, by delivery and status.
        manager
            .create_index(shop_index(
                "offers",
                "offers_delivery",
                &["delivery", "status"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in ["offers_delivery", "offers_code"] {
            manager
                .drop_index(Index::drop().name(index).table("offers").to_owned())
                .await?;
        }
        for column in LIMITS
            .into_iter()
            .chain(["exclusive", "priority", "code", "delivery"])
        {
            manager.alter_table(drop_column("offers", column)).await?;
        }
        Ok(())
    }
}
