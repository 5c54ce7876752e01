//! Customers' personal data as Vietnam's personal data protection rules require
//! (Decree 13/2023/ND-CP, the Personal Data Protection Law from 2026): a person may see
//! everything the shop holds about them ([`export`]) and have it erased ([`erase`]).
//!
//! Erasure keeps the shop's books: orders, ledger, vouchers and totals stay, tied to the
//! member's id, which is pseudonymous once the profile is gone; every balance, report
//! and sum reads the same before and after.

pub mod erase;
pub mod export;

pub use erase::{ERASED_PREFIX, Erased, erase};
pub use export::export;
