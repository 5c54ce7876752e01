//! Offers (their rule configuration), vouchers, rewards, and the discounts each order got.
use crate::support::{
    add_column, drop_column, shop_index, shop_table, shop_table_keyed, text, text_null, ts, ts_null,
};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn col(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("offers", Some("id"))
                    .col(text("name"))
                    .col(text_null("description"))
                    .col(text_null("image_url"))
                    .col(text("discount_kind"))
                    .col(text("value"))
                    .col(text("config"))
                    .col(col("valid_days").big_integer().null())
                    .col(text("status"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "offers",
                "offers_status",
                &["status", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                shop_table_keyed("vouchers", &["code"])
                    .col(text("code"))
                    .col(col("offer_id").uuid().not_null())
                    .col(col("member_id").uuid().null())
                    .col(text("source"))
                    .col(ts("issued_at"))
                    .col(ts_null("expires_at"))
                    .col(ts_null("used_at"))
                    .col(col("order_id").uuid().null())
                    .col(col("entry_id").uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "vouchers",
                "vouchers_entry",
                &["entry_id"],
                false,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "vouchers",
                "vouchers_member",
                &["member_id", "issued_at"],
                false,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "vouchers",
                "vouchers_offer",
                &["offer_id", "used_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                shop_table_keyed("order_discounts", &["order_id", "seq"])
                    .col(col("order_id").uuid().not_null())
                    .col(col("seq").big_integer().not_null())
                    .col(text("source"))
                    .col(text("label"))
                    .col(col("amount").big_integer().not_null())
                    .col(col("offer_id").uuid().null())
                    .col(text_null("voucher_code"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "order_discounts",
                "order_discounts_offer",
                &["offer_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                shop_table("rewards", Some("id"))
                    .col(text("name"))
                    .col(
                        col("points_cost")
                            .big_integer()
                            .not_null()
                            .check(Expr::col("points_cost").gt(0)),
                    )
                    .col(col("offer_id").uuid().not_null())
                    .col(col("active").boolean().not_null())
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(add_column(
                "orders",
                col("voucher_discount").big_integer().not_null().default(0),
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(drop_column("orders", "voucher_discount"))
            .await?;
        for table in ["rewards", "order_discounts", "vouchers", "offers"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
