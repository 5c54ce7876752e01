//! Business services of the loyalty engine.
//!
//! Each area is a module with its pure calculations (plain functions, unit-tested beside
//! them) and its service functions, which take a [`Ctx`] and run every write in one
//! database transaction. Errors are one typed [`DomainError`]; the API maps it to codes.
//!
//! The modules are layered so that each can be read knowing only the ones below it: each
//! uses only the modules listed before it here, and none reaches one that reaches back
//! (`tests/module_loops.rs` fails on any loop, naming it). From the bottom:
//!
//! 1. `error`, `ids`, `clock`, `money`, `limits`, `paging`, `sql`, `secrets` (sealing
//!    credentials at rest), `events` (the outbox every change writes its events to),
//!    `audit` (the trail of who changed what): building blocks.
//! 2. `access` (API keys and roles) and `shops` (tenants and the days of their time zone).
//! 3. `tiers`: the tier ladder's rows and rules, given the program's conversion as a number.
//! 4. `program`: settings, cycles and expiry; the policy (shop, program and tiers read as
//!    one) and its per-replica cache; opening a shop; changing the ladder under the
//!    program's lock; how a member's tier follows the policy.
//! 5. `ledger`: points in lots and entries, balances, earning, manual adjustments.
//! 6. `members`: profiles, listing, import, segments, the program's activation.
//! 7. `offers`, then `vouchers`, then `checkout` (cart lines, pricing, quote), then
//!    `orders`; `rewards` (vouchers bought with points) beside them.
//! 8. `jobs` (expiry, cycle roll); `messaging`, then `campaigns`; `sessions` (member
//!    sessions and the member widget's settings); `webhooks` (endpoints and the worker
//!    that posts the outbox's events); `privacy` (a customer's data exported or erased,
//!    across all of these).
//! 9. `context`: the [`Ctx`] itself, with the replica's caches and order queues.
//!
//! Services name the context by its root re-export, `crate::Ctx`, which the check does
//! not count: every layer is handed it, none reaches into it.

pub mod access;
pub mod audit;
pub mod bulk;
pub mod campaigns;
pub mod channel;
pub mod checkout;
pub mod clock;
pub mod context;
pub mod error;
pub mod events;
pub mod ids;
pub mod jobs;
pub mod journeys;
pub mod ledger;
pub mod limits;
pub mod members;
pub mod messaging;
pub mod money;
pub mod offers;
pub mod orders;
pub mod paging;
pub mod privacy;
pub mod program;
pub mod rewards;
pub mod secrets;
pub mod sessions;
pub mod shops;
pub mod sql;
mod sql_arrays;
mod sql_columns;
#[cfg(test)]
mod test_db;
pub mod tiers;
pub mod typed_code;
pub mod vouchers;
pub mod webhooks;

pub use context::Ctx;
pub use error::{DomainError, Result};
