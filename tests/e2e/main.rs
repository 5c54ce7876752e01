//! End-to-end tests over HTTP against the real router on a real socket.
//! One binary, one module per area (see `support/lib.rs` for the harness).

mod amounts;
mod batching;
mod bulk;
mod caching;
mod campaigns;
mod checkout;
mod cursors;
mod enrollment;
mod hardening;
mod import;
mod key_cap;
mod key_lookup;
mod key_use;
mod ledger;
mod ledger_properties;
mod limits;
mod malformed;
mod members;
mod nul_input;
mod opening_spend;
mod order_history;
mod order_lines;
mod order_paths;
mod point_value;
mod program;
mod rewards;
mod rule_tables;
mod search;
mod templates;
mod tenancy;
mod tiers;
mod topups;
