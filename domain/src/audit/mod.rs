//! The audit trail: who changed what, when, through which request.
//!
//! Every change made with an ADMIN or CHANNEL key, and every operator action, writes one
//! `audit_log` row in the transaction of the change, so the row exists exactly when the
//! change does. The API opens a [`Scope`] around each mutation (the actor, the action,
//! a [`summary`] of the input without secrets or personal data, the request id); each
//! service calls [`record`] once before it commits, naming the ids it touched. Outside a
//! scope (background jobs, the domain's own tests) [`record`] writes nothing.
//!
//! The rows are append-only: the database refuses every UPDATE and DELETE on them (see
//! migration 47), and nothing here offers either.

pub mod actor;
pub mod list;
pub mod record;
pub mod scope;
pub mod summary;

pub use actor::Actor;
pub use list::{AuditFilter, AuditRow, list};
pub use record::{Entry, record, record_in, write};
pub use scope::{Scope, current, current_key, within};
