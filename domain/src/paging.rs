//! Keyset pagination shared by every list: a page size, an opaque position, and whether
//! more rows follow. Positions are keys, never offsets, so rows inserted between two
//! requests neither repeat nor vanish.

use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Query, SelectStatement};

/// Page size when the client gives none.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// One page of `T`, each item with the key to continue after it.
#[derive(Debug, Clone)]
pub struct Page<K, T> {
    /// Items in order with their keys.
    pub items: Vec<(K, T)>,
    /// Whether rows follow the last item.
    pub has_next: bool,
}

/// Checks a requested page size.
pub fn page_size(first: Option<i64>) -> crate::Result<u64> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 0 => Err(crate::DomainError::invalid("first", "must not be negative")),
        Some(n) if n as u64 > MAX_PAGE_SIZE => Err(crate::DomainError::LimitExceeded(format!(
            "first is at most {MAX_PAGE_SIZE}"
        ))),
        Some(n) => Ok(n as u64),
    }
}

impl<K, T> Page<K, T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says more follow.
    pub fn from_overfetch(mut rows: Vec<(K, T)>, limit: u64) -> Self {
        let has_next = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        Self {
            items: rows,
            has_next,
        }
    }
}

/// The rows of `query` numbered per member in `order` (SQL, e.g. `"id DESC"`), keeping
/// the first `n + 1` of each: the first pages of many members in one statement, so that
/// a page of members with a nested list costs the same whatever its size. The rows
/// carry an extra `rn` column.
pub fn first_of_each_member(mut query: SelectStatement, order: &str, n: u64) -> SelectStatement {
    query.expr_as(
        Expr::cust(format!(
            "ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY {order})"
        )),
        "rn",
    );
    Query::select()
        .column(Asterisk)
        .from_subquery(query, "ranked")
        .and_where(Expr::col("rn").lte(i64::try_from(n + 1).unwrap_or(i64::MAX)))
        .to_owned()
}
