//! Keyset pagination shared by every list: a page size, an opaque position, and whether
//! more rows follow. Positions are keys, never offsets, so rows inserted between two
//! requests neither repeat nor vanish.

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
