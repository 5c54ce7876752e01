//! An order's lines move into the order's row, as the JSON array the channel's lines
//! make (`orders.lines`), and the `order_lines` table goes.
//!
//! Lines are written with their order and never read on their own, so rows of their own
//! cost every order a heap row and a key entry per line for nothing (docs/performance.md,
//! "Where an order's WAL goes"). Each element keeps the old columns' names: `product_id`,
//! `group_ids` (an array), `quantity`, `unit_price`, `already_discounted`, in line order.
//! `down` makes the table again from the arrays.
use crate::m20261123_000002_ledger::order_lines_table;
use crate::support::{add_column, drop_column};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Fills `orders.lines` from `order_lines`.
const FOLD_PG: &str = "UPDATE orders AS o SET lines = l.lines FROM ( \
  SELECT shop_id, order_id, CAST(json_agg(json_build_object( \
    'product_id', product_id, 'group_ids', CAST(group_ids AS json), 'quantity', quantity, \
    'unit_price', unit_price, 'already_discounted', already_discounted) ORDER BY line_no) AS text) AS lines \
  FROM order_lines GROUP BY shop_id, order_id) AS l \
WHERE o.shop_id = l.shop_id AND o.id = l.order_id";

const FOLD_SQLITE: &str = "UPDATE orders SET lines = COALESCE((SELECT json_group_array(json(x)) FROM ( \
  SELECT json_object('product_id', l.product_id, 'group_ids', json(l.group_ids), \
    'quantity', l.quantity, 'unit_price', l.unit_price, \
    'already_discounted', json(CASE WHEN l.already_discounted THEN 'true' ELSE 'false' END)) AS x \
  FROM order_lines l WHERE l.shop_id = orders.shop_id AND l.order_id = orders.id \
  ORDER BY l.line_no)), '[]')";

/// Makes `order_lines` rows from `orders.lines`.
const UNFOLD_PG: &str = "INSERT INTO order_lines \
  (shop_id, order_id, line_no, product_id, group_ids, quantity, unit_price, already_discounted) \
SELECT o.shop_id, o.id, e.n - 1, e.line->>'product_id', CAST(e.line->'group_ids' AS text), \
  CAST(e.line->>'quantity' AS bigint), CAST(e.line->>'unit_price' AS bigint), \
  CAST(e.line->>'already_discounted' AS boolean) \
FROM orders o CROSS JOIN LATERAL json_array_elements(CAST(o.lines AS json)) WITH ORDINALITY AS e(line, n)";

const UNFOLD_SQLITE: &str = "INSERT INTO order_lines \
  (shop_id, order_id, line_no, product_id, group_ids, quantity, unit_price, already_discounted) \
SELECT o.shop_id, o.id, CAST(e.key AS INTEGER), json_extract(e.value, '$.product_id'), \
  json_extract(e.value, '$.group_ids'), json_extract(e.value, '$.quantity'), \
  json_extract(e.value, '$.unit_price'), json_extract(e.value, '$.already_discounted') \
FROM orders o, json_each(o.lines) e";

fn per_backend(manager: &SchemaManager, pg: &'static str, sqlite: &'static str) -> &'static str {
    match manager.get_database_backend() {
        DbBackend::Postgres => pg,
        _ => sqlite,
    }
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(
                "orders",
                ColumnDef::new("lines")
                    .text()
                    .not_null()
                    .default("[]")
                    .to_owned(),
            ))
            .await?;
        manager
            .get_connection()
            .execute_unprepared(per_backend(manager, FOLD_PG, FOLD_SQLITE))
            .await?;
        manager
            .drop_table(Table::drop().table("order_lines").to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(order_lines_table()).await?;
        manager
            .get_connection()
            .execute_unprepared(per_backend(manager, UNFOLD_PG, UNFOLD_SQLITE))
            .await?;
        manager.alter_table(drop_column("orders", "lines")).await
    }
}
