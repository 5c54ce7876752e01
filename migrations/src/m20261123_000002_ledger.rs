//! Orders, refunds, the points ledger with its lots and allocations, idempotency keys,
//! and the members' cycle counters.
use crate::support::{
    add_column, bigint, drop_column, shop_index, shop_table, shop_table_keyed, text, text_null, ts,
    ts_null,
};
use sea_orm_migration::prelude::*;

/// The `order_lines` table as this migration made it (a later migration folds it into
/// `orders.lines`, and makes it again on the way down).
pub(crate) fn order_lines_table() -> TableCreateStatement {
    shop_table_keyed("order_lines", &["order_id", "line_no"])
        .col(col("order_id").uuid().not_null())
        .col(bigint("line_no"))
        .col(text("product_id"))
        .col(text("group_ids"))
        .col(bigint("quantity"))
        .col(bigint("unit_price"))
        .col(col("already_discounted").boolean().not_null())
        .to_owned()
}

#[derive(DeriveMigrationName)]
pub struct Migration;

fn col(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
}

fn bigint_default(name: &'static str) -> ColumnDef {
    col(name).big_integer().not_null().default(0).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("orders", Some("id"))
                    .col(text("external_id"))
                    .col(col("member_id").uuid().not_null())
                    .col(text("channel"))
                    .col(ts("placed_at"))
                    .col(bigint("subtotal"))
                    .col(bigint("discount_total"))
                    .col(bigint("total"))
                    .col(bigint("points_redeemed"))
                    .col(bigint("points_value"))
                    .col(bigint("paid"))
                    .col(bigint("points_earned"))
                    .col(bigint_default("refunded_amount"))
                    .col(bigint_default("reversed_points"))
                    .col(bigint_default("restored_points"))
                    .col(bigint_default("reversed_spend"))
                    .col(col("ranking_cycle").date().null())
                    .col(col("tier_id").uuid().null())
                    .col(ts("created_at"))
                    .check(Expr::col("refunded_amount").lte(Expr::col("total")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "orders",
                "orders_external_id",
                &["external_id"],
                true,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "orders",
                "orders_member_placed",
                &["member_id", "placed_at"],
                false,
            ))
            .await?;

        manager.create_table(order_lines_table()).await?;

        manager
            .create_table(
                shop_table("refunds", Some("id"))
                    .col(col("order_id").uuid().not_null())
                    .col(text("refund_key"))
                    .col(bigint("amount"))
                    .col(bigint("points_reversed"))
                    .col(bigint("points_restored"))
                    .col(bigint("spend_reversed"))
                    .col(bigint("debt_added"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index("refunds", "refunds_key", &["refund_key"], true))
            .await?;
        manager
            .create_index(shop_index("refunds", "refunds_order", &["order_id"], false))
            .await?;

        manager
            .create_table(
                shop_table("ledger_entries", Some("id"))
                    .col(col("member_id").uuid().not_null())
                    .col(text("kind"))
                    .col(bigint("points"))
                    .col(bigint_default("debt_change"))
                    .col(ts("created_at"))
                    .col(ts("available_at"))
                    .col(ts_null("expires_at"))
                    .col(text_null("reason"))
                    .col(col("order_id").uuid().null())
                    .col(text_null("idempotency_key"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "ledger_entries",
                "ledger_entries_member",
                &["member_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "ledger_entries",
                "ledger_entries_key",
                &["idempotency_key"],
                true,
            ))
            .await?;

        // A lot is what a credit entry left to spend. `remaining` is a cache of
        // points minus the lot's allocations; the CHECK is the last line against
        // overspending if a guarded update were ever bypassed.
        manager
            .create_table(
                shop_table("point_lots", Some("id"))
                    .col(col("member_id").uuid().not_null())
                    .col(bigint("points"))
                    .col(bigint("remaining"))
                    .col(ts("available_at"))
                    .col(ts_null("expires_at"))
                    .col(col("order_id").uuid().null())
                    .col(ts("created_at"))
                    .check(
                        Expr::col("remaining")
                            .gte(0)
                            .and(Expr::col("remaining").lte(Expr::col("points"))),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "point_lots",
                "point_lots_member",
                &["member_id", "expires_at"],
                false,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "point_lots",
                "point_lots_expiry",
                &["expires_at", "remaining"],
                false,
            ))
            .await?;

        manager
            .create_table(
                shop_table("lot_allocations", Some("id"))
                    .col(col("lot_id").uuid().not_null())
                    .col(col("entry_id").uuid().not_null())
                    .col(col("member_id").uuid().not_null())
                    .col(bigint("points"))
                    .check(Expr::col("points").gt(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "lot_allocations",
                "lot_allocations_lot",
                &["lot_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                shop_table_keyed("idempotency_keys", &["scope", "key"])
                    .col(text("scope"))
                    .col(text("key"))
                    .col(text("request_hash"))
                    .col(col("resource_id").uuid().not_null())
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(add_column("members", col("cycle_start").date().null()))
            .await?;
        manager
            .alter_table(add_column("members", bigint_default("prev_cycle_spend")))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "idempotency_keys",
            "lot_allocations",
            "point_lots",
            "ledger_entries",
            "refunds",
            "order_lines",
            "orders",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in ["prev_cycle_spend", "cycle_start"] {
            manager.alter_table(drop_column("members", column)).await?;
        }
        Ok(())
    }
}
