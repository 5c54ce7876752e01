//! sea-orm entities, one module per table.
//!
//! Every table carries `shop_id` and every key starts with it, so the data can be
//! distributed by shop (Citus) without changing a query. Money columns hold whole VND
//! as `i64`; configuration ratios (percents, multipliers) hold a decimal as text so that
//! SQLite and PostgreSQL store exactly the same digits.

pub mod api_key;
pub mod audit_log;
pub mod audit_target;
pub mod bulk_job;
pub mod bulk_job_item;
pub mod campaign;
pub mod campaign_delivery;
pub mod email_sender;
pub mod event;
pub mod expiry_notice;
pub mod idempotency_key;
pub mod journey;
pub mod ledger_entry;
pub mod lot_allocation;
pub mod member;
pub mod member_search;
pub mod member_session;
pub mod messaging_account;
pub mod messaging_opt_out;
pub mod messaging_topup;
pub mod offer;
pub mod offer_budget;
pub mod offer_customer_use;
pub mod offer_image;
pub mod offer_order_use;
pub mod opening_spend;
pub mod order;
pub mod order_discount;
pub mod point_lot;
pub mod program;
pub mod program_activation;
pub mod program_change;
pub mod refund;
pub mod reward;
pub mod segment;
pub mod shop;
pub mod sms_gateway;
pub mod tier;
pub mod unsubscribe_key;
pub mod voucher;
pub mod webhook_delivery;
pub mod webhook_endpoint;
pub mod widget_settings;
pub mod zalo_oa_account;
