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

/// A freshly generated key and the hash to store.
pub struct NewKey {
    /// Shown once to the caller, never stored.
    pub plaintext: String,
    /// Stored.
    pub hash: String,
}

/// Generates a key for `shop_id`.
pub fn generate(shop_id: Uuid) -> NewKey {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let plaintext = format!("{PREFIX}{}_{}", shop_id.simple(), hex::encode(secret));
    let hash = hash(&plaintext);
    NewKey { plaintext, hash }
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
        assert_eq!(shop_of("lk_nope_x"), None);
        assert_eq!(shop_of("Bearer"), None);
    }
}
