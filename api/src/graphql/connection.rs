//! Relay pagination pieces shared by every connection: `PageInfo` and opaque cursors.
use crate::error::Code;
use async_graphql::SimpleObject;
use async_graphql::connection::{CursorType, OpaqueCursor};
use serde::{Serialize, de::DeserializeOwned};

/// Where a page stands in its list (Relay).
#[derive(SimpleObject, Debug, Clone, Default)]
pub struct PageInfo {
    /// More items follow this page.
    pub has_next_page: bool,
    /// Always false: lists page forward only.
    pub has_previous_page: bool,
    /// Cursor of the first item.
    pub start_cursor: Option<String>,
    /// Cursor of the last item: pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// Encodes a domain key as an opaque cursor.
pub fn encode<K: Serialize + DeserializeOwned + Send + Sync>(key: K) -> String {
    OpaqueCursor(key).encode_cursor()
}

/// Decodes an `after` argument; a cursor from elsewhere is `BAD_USER_INPUT`.
pub fn decode<K: Serialize + DeserializeOwned + Send + Sync>(
    after: Option<&str>,
) -> async_graphql::Result<Option<K>> {
    after
        .map(|s| {
            OpaqueCursor::<K>::decode_cursor(s)
                .map(|c| c.0)
                .map_err(|_| Code::BadUserInput.error("`after` is not a cursor of this list"))
        })
        .transpose()
}

/// Builds `PageInfo` from the encoded cursors of a page.
pub fn page_info(cursors: &[String], has_next_page: bool) -> PageInfo {
    PageInfo {
        has_next_page,
        has_previous_page: false,
        start_cursor: cursors.first().cloned(),
        end_cursor: cursors.last().cloned(),
    }
}
