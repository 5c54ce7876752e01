//! Member search: materialized point balances and birth month for filtering and sorting,
//! saved segments, and an index for every filter and sort (each starting with shop_id).
//! On PostgreSQL, a trigram index serves name keywords with a leading wildcard.
use crate::support::{add_column, drop_column, shop_index, shop_table, trgm_schema};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(add_column(
                "members",
                ColumnDef::new("birth_month").integer().null().to_owned(),
            ))
            .await?;
        for col in ["points_available", "points_pending"] {
            manager
                .alter_table(add_column(
                    "members",
                    ColumnDef::new(col)
                        .big_integer()
                        .not_null()
                        .default(0)
                        .to_owned(),
                ))
                .await?;
        }
        manager
            .alter_table(add_column(
                "members",
                ColumnDef::new("points_as_of")
                    .timestamp_with_time_zone()
                    .null()
                    .to_owned(),
            ))
            .await?;
        let backend = manager.get_database_backend();
        let month = match backend {
            DatabaseBackend::Postgres => "CAST(EXTRACT(MONTH FROM birthday) AS INTEGER)",
            _ => "CAST(strftime('%m', birthday) AS INTEGER)",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE members SET birth_month = {month} WHERE birthday IS NOT NULL"
            ))
            .await?;

        for (name, cols) in [
            ("members_search_name", &["search_name"][..]),
            ("members_email", &["email"]),
            ("members_gender", &["gender", "id"]),
            ("members_total_spent", &["total_spent", "id"]),
            ("members_total_orders", &["total_orders", "id"]),
            ("members_points", &["points_available", "id"]),
            // Tier pages filtered by points: a range within the tier, not a tier scan.
            (
                "members_tier_points",
                &["tier_id", "points_available", "id"],
            ),
            ("members_last_purchase", &["last_purchase_at", "id"]),
            ("members_registered", &["registered_at", "id"]),
            ("members_region", &["province", "district"]),
            ("members_birth_month", &["birth_month"]),
        ] {
            manager
                .create_index(shop_index("members", name, cols, false))
                .await?;
        }

        manager
            .create_table(
                shop_table("segments", Some("id"))
                    .col(ColumnDef::new("name").text().not_null())
                    .col(ColumnDef::new("filter").text().not_null())
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new("updated_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index("segments", "segments_name", &["name"], true))
            .await?;

        if backend == DatabaseBackend::Postgres {
            // Keyword search ('%van%') cannot use a btree; trigrams can. Extensions need
            // rights a managed database may not grant: without them, search still works,
            // only slower, so the migration goes on.
            // A savepoint keeps a refusal (or a concurrent creation by another migrator)
            // from aborting the migration's transaction.
            let conn = manager.get_connection();
            conn.execute_unprepared("SAVEPOINT trgm").await?;
            let ok = conn
                .execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await
                .is_ok();
            conn.execute_unprepared(if ok {
                "RELEASE SAVEPOINT trgm"
            } else {
                "ROLLBACK TO SAVEPOINT trgm"
            })
            .await?;
            if ok {
                // The extension lives in the schema it was first created in, which need
                // not be on this connection's search path: name its operator class fully.
                let schema = trgm_schema(conn)
                    .await?
                    .unwrap_or_else(|| "public".to_owned());
                conn.execute_unprepared(&format!(
                    "CREATE INDEX members_search_name_trgm ON members USING gin (search_name {schema}.gin_trgm_ops)"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("segments").to_owned())
            .await?;
        for col in [
            "points_as_of",
            "points_pending",
            "points_available",
            "birth_month",
        ] {
            manager.alter_table(drop_column("members", col)).await?;
        }
        Ok(())
    }
}
