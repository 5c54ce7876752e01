//! Who may do what: API keys, their roles, and authentication of a presented key.

pub mod cache;
pub mod keys;
pub mod manage;
pub mod role;
pub mod service;
pub mod usage;

pub use role::Role;
pub use service::{DEFAULT_MAX_KEYS_PER_SHOP, Principal, authenticate, create_api_key};
