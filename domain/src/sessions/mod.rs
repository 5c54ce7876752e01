//! Member sessions (issue 27): a token the merchant's website hands to its signed-in
//! customer, with which the customer's browser reads that one member's wallet (tier,
//! points, vouchers, orders) and spends points on rewards. Tokens are made by the shop's
//! backend with a CHANNEL or ADMIN key, expire, and are revoked all at once per member.
//!
//! Tokens are kept like API keys (see `crate::access`): only their SHA-256 is stored,
//! and each replica caches the ones that authenticated for `LOYALTY_KEY_CACHE_MS`.

pub mod origins;
pub mod service;
pub mod token;
pub mod widget;

pub use service::{
    CreatedSession, DEFAULT_TTL_MINUTES, MAX_TTL_MINUTES, MemberPrincipal, authenticate, create,
    revoke_all,
};
