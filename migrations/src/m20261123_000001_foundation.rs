//! Shops, API keys, programs, tiers and members.
use crate::support::{bigint, bigint_null, shop_index, shop_table, text, text_null, ts, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("shops", None)
                    .col(text("name"))
                    .col(text("time_zone"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                shop_table("api_keys", Some("id"))
                    .col(text_null("name"))
                    .col(text("role"))
                    .col(text("key_hash"))
                    .col(ts("created_at"))
                    .col(ts_null("revoked_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index("api_keys", "api_keys_hash", &["key_hash"], true))
            .await?;

        manager
            .create_table(
                shop_table("programs", None)
                    .col(text("status"))
                    .col(text("spend_per_ranking_point"))
                    .col(text("reward_rate_percent"))
                    .col(bigint("points_per_thousand_vnd"))
                    .col(bigint("pending_hours"))
                    .col(text("expiry_kind"))
                    .col(bigint_null("expiry_days"))
                    .col(bigint_null("expiry_period_months"))
                    .col(text("cycle_kind"))
                    .col(bigint_null("cycle_months"))
                    .col(ColumnDef::new("cycle_starts_on").date().null())
                    .col(text_null("activation_mode"))
                    .col(ts_null("activated_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                shop_table("tiers", Some("id"))
                    .col(text("name"))
                    .col(bigint("min_spend").check(Expr::col("min_spend").gte(0)))
                    .col(text("discount_percent"))
                    .col(bigint_null("discount_cap"))
                    .col(text("point_multiplier"))
                    .col(bigint_null("redeem_cap"))
                    .col(
                        ColumnDef::new("combines_with_promotions")
                            .boolean()
                            .not_null(),
                    )
                    .col(ColumnDef::new("is_initial").boolean().not_null())
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        // Thresholds strictly increase with rank, so no two tiers share one.
        manager
            .create_index(shop_index("tiers", "tiers_min_spend", &["min_spend"], true))
            .await?;
        manager
            .create_index(shop_index("tiers", "tiers_name", &["name"], true))
            .await?;

        manager
            .create_table(
                shop_table("members", Some("id"))
                    .col(text("external_id"))
                    .col(text_null("name"))
                    .col(text("search_name"))
                    .col(text_null("phone"))
                    .col(text_null("email"))
                    .col(ColumnDef::new("birthday").date().null())
                    .col(text("gender"))
                    .col(text_null("province"))
                    .col(text_null("district"))
                    .col(ts_null("registered_at"))
                    .col(ColumnDef::new("tier_id").uuid().null())
                    .col(bigint("ranking_spend"))
                    .col(bigint("total_orders"))
                    .col(bigint("total_spent"))
                    .col(ts_null("last_purchase_at"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(shop_index(
                "members",
                "members_external_id",
                &["external_id"],
                true,
            ))
            .await?;
        manager
            .create_index(shop_index(
                "members",
                "members_tier",
                &["tier_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(shop_index("members", "members_phone", &["phone"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["members", "tiers", "programs", "api_keys", "shops"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
