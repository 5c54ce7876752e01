//! The points ledger: append-only entries, lots and their allocations, balances derived
//! from them, expiry, manual adjustments, and the member's history.

pub mod adjust;
pub mod balance;
pub mod bulk;
pub mod cache;
pub mod earning;
pub mod expiring;
pub mod history;
pub mod idempotency;
pub mod kind;
pub mod live;
pub mod lots;
pub mod plan;

pub use adjust::{AdjustInput, adjust};
pub use balance::{LiveBalance, PointBalance, balance, balances, live_balances};
pub use history::{LedgerCursor, LedgerEntry, entries, newest_of_many};
pub use kind::LedgerKind;
