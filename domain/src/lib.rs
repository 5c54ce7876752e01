//! Business services of the loyalty engine.
//!
//! Each area is a module with its pure calculations (plain functions, unit-tested beside
//! them) and its service functions, which take a [`Ctx`] and run every write in one
//! database transaction. Errors are one typed [`DomainError`]; the API maps it to codes.

pub mod access;
pub mod campaigns;
pub mod checkout;
pub mod clock;
pub mod context;
pub mod error;
pub mod ids;
pub mod jobs;
pub mod ledger;
pub mod limits;
pub mod members;
pub mod messaging;
pub mod money;
pub mod offers;
pub mod orders;
pub mod paging;
pub mod program;
pub mod rewards;
pub mod shops;
pub mod sql;
#[cfg(test)]
mod test_db;
pub mod tiers;
pub mod vouchers;

pub use context::Ctx;
pub use error::{DomainError, Result};
