//! Relay pagination pieces shared by every connection: `PageInfo` and opaque cursors.
//!
//! A cursor is the page's last key with a MAC (HMAC-SHA-256, truncated to 128 bits) over
//! the key and the kind of list it belongs to. An edited, truncated or foreign cursor is
//! refused as `BAD_USER_INPUT` (field `after`) before its key reaches a statement, the
//! same on both databases; keys are then checked for what they may hold where they are
//! used (a member cursor's sort value against the order asked for). The MAC's secret is
//! [`SECRET_ENV`], or a fixed fallback, so replicas agree without any setting; with the
//! fallback, which anyone can read here, the MAC still catches edits but not forgeries,
//! and the key checks are what keep a forged cursor harmless.
use crate::error::to_gql;
use async_graphql::SimpleObject;
use async_graphql::connection::{CursorType, OpaqueCursor};
use loyalty_domain::DomainError;
use loyalty_domain::ledger::LedgerCursor;
use loyalty_domain::members::MemberCursor;
use loyalty_domain::orders::history::OrderCursor;
use loyalty_domain::paging::{Page, page_size};
use loyalty_domain::vouchers::listing::VoucherCursor;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use uuid::Uuid;

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

/// The environment variable holding the cursors' MAC secret. Replicas behind one load
/// balancer need the same value; changing it refuses the cursors handed out before.
pub const SECRET_ENV: &str = "LOYALTY_CURSOR_SECRET";

/// The secret when [`SECRET_ENV`] is unset or empty.
pub const FALLBACK_SECRET: &str = "loyalty-cursor-v1";

/// Longest cursor read: every cursor made here is far shorter.
pub const MAX_CURSOR_LEN: usize = 1024;

static SECRET: LazyLock<Vec<u8>> = LazyLock::new(|| {
    std::env::var(SECRET_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| FALLBACK_SECRET.to_owned())
        .into_bytes()
});

/// A key a cursor can carry, and the kind of list it pages: a cursor of one kind is
/// refused by lists of another.
pub trait CursorKey: Serialize + DeserializeOwned + Send + Sync {
    /// Signed with the key.
    const KIND: &'static str;
}

/// Lists in id order: offers, campaigns, deliveries.
impl CursorKey for Uuid {
    const KIND: &'static str = "id";
}

impl CursorKey for LedgerCursor {
    const KIND: &'static str = "ledger";
}

impl CursorKey for MemberCursor {
    const KIND: &'static str = "members";
}

/// The shop's orders and a member's: one order, newest first.
impl CursorKey for OrderCursor {
    const KIND: &'static str = "orders";
}

/// A member's vouchers: one voucher, newest first.
impl CursorKey for VoucherCursor {
    const KIND: &'static str = "vouchers";
}

/// What a cursor holds.
#[derive(Serialize, Deserialize)]
struct Signed<K> {
    /// The key.
    k: K,
    /// The MAC, in hex.
    m: String,
}

/// Encodes a domain key as an opaque, signed cursor.
pub fn encode<K: CursorKey>(key: K) -> String {
    let m = mac::<K>(&key);
    OpaqueCursor(Signed { k: key, m }).encode_cursor()
}

/// Decodes an `after` argument; a cursor that was not made here for this kind of list
/// (edited, truncated, from another list) is `BAD_USER_INPUT` on `after`.
pub fn decode<K: CursorKey>(after: Option<&str>) -> async_graphql::Result<Option<K>> {
    after.map(verify::<K>).transpose().map_err(|message| {
        to_gql(DomainError::invalid(
            "after",
            format!("`after` {message}; start again without `after`"),
        ))
    })
}

fn verify<K: CursorKey>(cursor: &str) -> Result<K, &'static str> {
    const FOREIGN: &str = "is not a cursor of this list";
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(FOREIGN);
    }
    let signed = OpaqueCursor::<Signed<K>>::decode_cursor(cursor)
        .map_err(|_| FOREIGN)?
        .0;
    if !same(mac::<K>(&signed.k).as_bytes(), signed.m.as_bytes()) {
        return Err("was altered or is not a cursor of this list");
    }
    Ok(signed.k)
}

/// The hex MAC of `key` as a cursor of `K`'s kind of list. The key is signed as its JSON,
/// which serializes the same way every time for one value.
fn mac<K: CursorKey>(key: &K) -> String {
    let json = serde_json::to_vec(key).unwrap_or_default();
    hmac_sha256(&SECRET, &[K::KIND.as_bytes(), b"\0", &json])[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// HMAC-SHA-256 (RFC 2104) of the concatenated `parts`. A MAC rather than a hash of the
/// secret and the message, which would let anyone extend a cursor's message and its hash.
fn hmac_sha256(secret: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut key = [0u8; BLOCK];
    if secret.len() > BLOCK {
        key[..32].copy_from_slice(&Sha256::digest(secret));
    } else {
        key[..secret.len()].copy_from_slice(secret);
    }
    let mut inner = Sha256::new();
    inner.update(key.map(|b| b ^ 0x36));
    for part in parts {
        inner.update(part);
    }
    let mut outer = Sha256::new();
    outer.update(key.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Equality whose time does not depend on where two MACs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A page as Relay edges and its `PageInfo`: each item's key becomes its signed cursor,
/// and `edge` makes the edge of a cursor and its item.
pub fn edges<K: CursorKey, T, E>(
    page: Page<K, T>,
    mut edge: impl FnMut(String, T) -> E,
) -> (Vec<E>, PageInfo) {
    let mut info = PageInfo {
        has_next_page: page.has_next,
        ..PageInfo::default()
    };
    let edges = page
        .items
        .into_iter()
        .map(|(key, item)| {
            let cursor = encode(key);
            info.start_cursor.get_or_insert_with(|| cursor.clone());
            info.end_cursor = Some(cursor.clone());
            edge(cursor, item)
        })
        .collect();
    (edges, info)
}

/// The page size of a nested list's selection when it asks for a first page (no
/// `after`, or a null one) of a valid size: what the list's loader is primed with for a
/// whole page of parents. `None` when the selection pages on or its size is refused
/// (the field's resolver then answers it alone, or reports the error).
pub fn first_page(field: &async_graphql::SelectionField<'_>) -> async_graphql::Result<Option<u64>> {
    let args = field.arguments()?;
    let arg = |name: &str| {
        args.iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, v)| v.clone())
    };
    if !matches!(arg("after"), None | Some(async_graphql::Value::Null)) {
        return Ok(None);
    }
    let first = match arg("first") {
        Some(async_graphql::Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    Ok(page_size(first).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(&hmac_sha256(
                b"Jefe",
                &[b"what do ya ", b"want for nothing?"]
            )),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // A key longer than the block is hashed first (test case 6).
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_edits_and_other_lists() {
        let id = Uuid::now_v7();
        let cursor = encode(id);
        assert_eq!(verify::<Uuid>(&cursor), Ok(id));
        assert!(verify::<LedgerCursor>(&encode(LedgerCursor { id })).is_ok());
        // The same key signed for the ledger is no offer cursor.
        assert!(verify::<Uuid>(&encode(LedgerCursor { id })).is_err());
        // A payload edited and encoded again keeps its old MAC.
        let other = Uuid::now_v7();
        let json = format!(r#"{{"k":"{other}","m":"{}"}}"#, mac::<Uuid>(&id));
        assert!(
            verify::<Uuid>(
                &OpaqueCursor(
                    serde_json::from_str::<Signed<Uuid>>(&json).unwrap_or_else(|e| panic!("{e}"))
                )
                .encode_cursor()
            )
            .is_err()
        );
        // Every single-character edit is refused.
        for i in 0..cursor.len() {
            let mut bytes = cursor.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let edited = String::from_utf8(bytes).unwrap_or_default();
            assert!(verify::<Uuid>(&edited).is_err(), "edit at {i} accepted");
        }
        assert!(verify::<Uuid>(&"A".repeat(MAX_CURSOR_LEN + 1)).is_err());
    }
}
