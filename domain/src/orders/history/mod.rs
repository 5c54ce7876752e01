//! Order history: the orders a shop recorded, read back as the channel sent them and as
//! they came out (discounts, points, refunds), newest first a page at a time.
//!
//! Only reads: orders are written by [`super::record`] and [`super::refund`]. An order's
//! lines live in its row; its discounts and refunds in tables of their own, which
//! [`details`] reads for a whole page of orders at once, so that a page costs the same
//! number of statements whatever its size.

pub mod details;
pub mod pages;
pub mod stored;

pub use details::{OrderDiscount, OrderRefund, discounts_of, refunds_of};
pub use pages::{OrderCursor, OrderFilter, by_external_id, by_ids, newest_of_many, page};
pub use stored::StoredOrder;
