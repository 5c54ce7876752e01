//! Which way orders are written on PostgreSQL.
//!
//! Both paths write the same rows (the differential test in `tests/e2e/order_paths.rs`
//! runs the same orders through each and compares them): the batched one reads and
//! writes the orders waiting together with one statement each, the locked one takes the
//! member's row lock and writes in Rust, as on SQLite. Forcing the locked path is for
//! that test and for ruling the batches out when a write looks wrong.
use std::str::FromStr;

/// The write path of orders on PostgreSQL (SQLite always locks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderPath {
    /// Read and written in batches, one statement each, checked row by row; an order the
    /// batch cannot write falls back to the locked path.
    #[default]
    Batched,
    /// Under the member's row lock, one order per transaction.
    Locked,
}

impl OrderPath {
    /// The setting's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderPath::Batched => "batched",
            OrderPath::Locked => "locked",
        }
    }
}

impl FromStr for OrderPath {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "batched" => Ok(OrderPath::Batched),
            "locked" => Ok(OrderPath::Locked),
            other => Err(format!(
                "order path '{other}' is neither batched nor locked"
            )),
        }
    }
}
