//! Bulk actions by filter (seed 000: policies per group of customers): adjust points,
//! register, or issue a voucher to every member a filter matches.
//!
//! Asking freezes the members the filter matches at that moment into a durable job, one
//! item per member ([`start`]); a runner then applies the action a batch at a time
//! ([`run_pending`]). An item turns DONE in the same transaction as its member's change,
//! so a server killed mid-way neither loses a member nor applies one twice, and a batch
//! is leased so that two runners never work on the same job at once; a dead runner's
//! lease runs out and another takes over. A member the action is refused for (points
//! that would go negative) is recorded as FAILED with the reason, and the job goes on.

pub mod apply;
pub mod job;
pub mod read;
pub mod run;
pub mod start;

pub use job::{BulkAction, BulkJob, BulkKind, BulkStatus};
pub use read::{failures, get};
pub use run::{BulkConfig, RunReport, run_pending};
pub use start::{BulkRequest, MAX_MEMBERS, start};
