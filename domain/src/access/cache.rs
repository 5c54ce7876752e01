//! Each replica's cache of authenticated keys, so a request does not read its key row.
//!
//! Only keys that authenticated are kept, for a short time: a key revoked in the
//! database stops working on every replica within that time. Unknown keys are never
//! kept, so a key is usable the moment it is created.
use super::Principal;
use moka::sync::Cache;
use std::time::Duration;

/// Most keys kept; the least used are reloaded.
const MAX_KEYS: u64 = 100_000;

/// Principals by the SHA-256 of their key.
pub struct KeyCache {
    entries: Cache<String, Principal>,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("keys", &self.entries.entry_count())
            .finish()
    }
}

impl KeyCache {
    /// A cache keeping each key for `keep_for` after it authenticated (zero: off).
    pub fn new(keep_for: Duration) -> Self {
        let max = if keep_for.is_zero() { 0 } else { MAX_KEYS };
        Self {
            entries: Cache::builder()
                .max_capacity(max)
                .time_to_live(keep_for.max(Duration::from_millis(1)))
                .build(),
        }
    }

    /// The principal of a key hash authenticated recently.
    pub fn get(&self, key_hash: &str) -> Option<Principal> {
        self.entries.get(key_hash)
    }

    /// Remembers a key that authenticated.
    pub fn keep(&self, key_hash: String, principal: Principal) {
        self.entries.insert(key_hash, principal);
    }
}
