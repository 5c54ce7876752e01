//! An index for the shop's order history (`orders(filter, first, after)`), newest first.
//!
//! The list reads a shop's orders by placement time, then id, and pages by keyset on
//! the two; without this index PostgreSQL reads and sorts every order of the shop for
//! each page. A member's orders already have `orders_member_placed`. It costs every
//! order one more key entry, the price of an order list that does not grow with the
//! shop's history.
use crate::support::shop_index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(shop_index(
                "orders",
                "orders_placed",
                &["placed_at", "id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("orders_placed")
                    .table("orders")
                    .to_owned(),
            )
            .await
    }
}
