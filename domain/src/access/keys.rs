//! API key material: generation, hashing and the shop id a key names.
//!
//! A key reads `lk_<shop id>_<secret>`. Carrying the shop id lets authentication look a
//! key up by `(shop_id, key_hash)`, an index that starts with the shop like every other,
//! so keys shard with their shop. The secret is 32 random bytes; since it is not a
//! password, a plain SHA-256 is the right hash (no stretching needed against guessing).
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

const PREFIX: &str = "lk_";

/// Hex digits of the secret a key's stored prefix shows: enough to tell a shop's keys
/// apart at a glance, few enough (24 of 256 bits) to leave the secret a secret.
const SHOWN_SECRET_DIGITS: usize = 6;

/// A freshly generated key and what is stored of it.
pub struct NewKey {
    /// Shown once to the caller, never stored.
    pub plaintext: String,
    /// Stored.
    pub hash: String,
    /// Stored: the key's first characters, its shop and a few of the secret's.
    pub prefix: String,
}

/// Generates a key for `shop_id`.
pub fn generate(shop_id: Uuid) -> NewKey {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let plaintext = format!("{}{}", shop_part(shop_id), hex::encode(secret));
    let hash = hash(&plaintext);
    let shown = shop_part(shop_id).len() + SHOWN_SECRET_DIGITS;
    let prefix = format!("{}…", plaintext.get(..shown).unwrap_or_default());
    NewKey {
        plaintext,
        hash,
        prefix,
    }
}

/// What every key of `shop_id` begins with (the prefix known of keys made before
/// prefixes were stored).
pub fn shop_part(shop_id: Uuid) -> String {
    format!("{PREFIX}{}_", shop_id.simple())
}

/// The stored form of a key.
pub fn hash(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

/// The shop a presented key claims to belong to, if it is shaped like a key at all.
pub fn shop_of(plaintext: &str) -> Option<Uuid> {
    let rest = plaintext.strip_prefix(PREFIX)?;
    let (shop, secret) = rest.split_once('_')?;
    if secret.len() != 64 {
        return None;
    }
    Uuid::try_parse(shop).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_name_their_shop_and_differ() {
        let shop = Uuid::now_v7();
        let a = generate(shop);
        let b = generate(shop);
        assert_ne!(a.plaintext, b.plaintext);
        assert_eq!(shop_of(&a.plaintext), Some(shop));
        assert_eq!(hash(&a.plaintext), a.hash);
        let shown = a.prefix.trim_end_matches('…');
        assert!(a.plaintext.starts_with(shown));
        assert_eq!(shown.len(), shop_part(shop).len() + SHOWN_SECRET_DIGITS);
        assert_eq!(shop_of("lk_nope_x"), None);
        assert_eq!(shop_of("Bearer"), None);
    }
}
