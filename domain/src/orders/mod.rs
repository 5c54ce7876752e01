//! Orders from every channel: recording (pricing, redemption, earning, stats, tier) and
//! refunds, each idempotent and in one transaction; and their history, read back.

pub mod history;
pub mod input;
pub mod path;
pub mod plan;
pub mod prepared;
pub mod record;
mod record_locked;
mod record_pg;
pub mod refund;
pub mod result;

pub use input::{OrderInput, RefundInput};
pub use path::OrderPath;
pub use record::record;
pub use record_pg::combiner::BatchLimits;
pub use record_pg::{DEFAULT_ORDER_BATCHES, OrderQueues};
pub use refund::refund;
pub use result::OrderOutcome;
