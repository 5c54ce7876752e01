//! An order's external id is kept unique once, by its idempotency key, which the order's
//! transaction claims before it writes the order (both write paths): the unique index
//! `orders_external_id` cost every order a second key entry for the same guarantee. A
//! refund finds its order through the key (`ledger::idempotency::resource_of`).
use crate::support::shop_index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("orders_external_id")
                    .table("orders")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(shop_index(
                "orders",
                "orders_external_id",
                &["external_id"],
                true,
            ))
            .await
    }
}
