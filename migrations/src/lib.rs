//! Schema migrations of the loyalty engine.
//!
//! The same migrations run on SQLite and PostgreSQL. They name tables and columns by
//! string and never import the entities crate, so an old migration stays what it was
//! when it shipped. Every key and index starts with `shop_id` (see `README.md`, sharding).

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_ledger;
mod m20261123_000003_search;
mod m20261123_000004_offers;
mod m20261123_000005_campaigns;
mod m20261124_000006_policy_version;
mod m20261202_000007_write_guard;
mod m20261203_000008_debt_index;
mod m20261204_000009_member_search;
mod m20261204_000010_points_stable_until;
mod m20261204_000011_sorts_on_member_search;
mod m20261204_000012_lines_on_orders;
mod m20261204_000013_order_key_unique_once;
mod m20261207_000014_reward_stock_tiers;
mod m20261207_000015_order_history;
mod m20261207_000016_key_prefix_and_use;
mod m20261207_000017_opening_spend;
mod m20261207_000018_enrollment;
mod m20261207_000019_point_value;
mod m20261207_000020_bulk_jobs;
mod m20261207_000021_zalo_oa;
mod m20261207_000022_email_senders;
mod m20261207_000023_messaging_opt_outs;
mod m20261207_000024_unsubscribe_keys;
mod m20261207_000028_member_sessions;
mod m20261207_000029_widget_settings;
mod m20261207_000030_sms_gateways;
mod m20261207_000032_zalo_receipts;
mod m20261207_000034_offer_delivery;
mod m20261207_000035_offer_uses;
mod m20261207_000039_webhooks;
mod m20261207_000042_offer_images;
mod m20261207_000043_member_source;
mod m20261207_000044_program_changes;
mod m20261207_000045_journeys;
mod m20261207_000046_expiry_notices;
mod m20261207_000047_audit_log;
mod m20261207_000049_live_lots_index;
mod m20261207_000050_member_search_insert_per_statement;
mod m20261207_000051_program_activations;
mod member_search_copy;
mod support;

/// Runs the project's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_ledger::Migration),
            Box::new(m20261123_000003_search::Migration),
            Box::new(m20261123_000004_offers::Migration),
            Box::new(m20261123_000005_campaigns::Migration),
            Box::new(m20261124_000006_policy_version::Migration),
            Box::new(m20261202_000007_write_guard::Migration),
            Box::new(m20261203_000008_debt_index::Migration),
            Box::new(m20261204_000009_member_search::Migration),
            Box::new(m20261204_000010_points_stable_until::Migration),
            Box::new(m20261204_000011_sorts_on_member_search::Migration),
            Box::new(m20261204_000012_lines_on_orders::Migration),
            Box::new(m20261204_000013_order_key_unique_once::Migration),
            Box::new(m20261207_000014_reward_stock_tiers::Migration),
            Box::new(m20261207_000015_order_history::Migration),
            Box::new(m20261207_000016_key_prefix_and_use::Migration),
            Box::new(m20261207_000017_opening_spend::Migration),
            Box::new(m20261207_000018_enrollment::Migration),
            Box::new(m20261207_000019_point_value::Migration),
            Box::new(m20261207_000020_bulk_jobs::Migration),
            Box::new(m20261207_000021_zalo_oa::Migration),
            Box::new(m20261207_000022_email_senders::Migration),
            Box::new(m20261207_000023_messaging_opt_outs::Migration),
            Box::new(m20261207_000024_unsubscribe_keys::Migration),
            Box::new(m20261207_000028_member_sessions::Migration),
            Box::new(m20261207_000029_widget_settings::Migration),
            Box::new(m20261207_000030_sms_gateways::Migration),
            Box::new(m20261207_000032_zalo_receipts::Migration),
            Box::new(m20261207_000034_offer_delivery::Migration),
            Box::new(m20261207_000035_offer_uses::Migration),
            Box::new(m20261207_000039_webhooks::Migration),
            Box::new(m20261207_000042_offer_images::Migration),
            Box::new(m20261207_000043_member_source::Migration),
            Box::new(m20261207_000044_program_changes::Migration),
            Box::new(m20261207_000045_journeys::Migration),
            Box::new(m20261207_000046_expiry_notices::Migration),
            Box::new(m20261207_000047_audit_log::Migration),
            Box::new(m20261207_000049_live_lots_index::Migration),
            Box::new(m20261207_000050_member_search_insert_per_statement::Migration),
            Box::new(m20261207_000051_program_activations::Migration),
        ]
    }
}
