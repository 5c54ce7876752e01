//! Member session token material: generation, hashing and the shop a token names.
//!
//! A token reads `lm_<shop id>_<secret>`: like an API key (`lk_…`) it names its shop, so
//! the lookup uses the shop-first index and a made-up token is bucketed with the shop it
//! names; the distinct prefix tells the two kinds apart before any lookup. The secret is
//! 32 random bytes, so a plain SHA-256 is the right hash.
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

const PREFIX: &str = "lm_";

/// A freshly generated token and what is stored of it.
pub struct NewToken {
    /// Handed to the caller once, never stored.
    pub plaintext: String,
    /// Stored.
    pub hash: String,
}

/// Generates a token for a member of `shop_id`.
pub fn generate(shop_id: Uuid) -> NewToken {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let plaintext = format!("{PREFIX}{}_{}", shop_id.simple(), hex::encode(secret));
    let hash = hash(&plaintext);
    NewToken { plaintext, hash }
}

/// The stored form of a token.
pub fn hash(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

/// The shop a presented token claims to belong to, if it is shaped like a member token.
pub fn shop_of(plaintext: &str) -> Option<Uuid> {
    let rest = plaintext.strip_prefix(PREFIX)?;
    let (shop, secret) = rest.split_once('_')?;
    if secret.len() != 64 {
        return None;
    }
    Uuid::try_parse(shop).ok()
}

/// Whether a presented credential is shaped like a member token (`lm_…`), whatever its shop.
pub fn is_member_token(plaintext: &str) -> bool {
    plaintext.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_shop_differ_and_are_not_keys() {
        let shop = Uuid::now_v7();
        let a = generate(shop);
        let b = generate(shop);
        assert_ne!(a.plaintext, b.plaintext);
        assert_eq!(shop_of(&a.plaintext), Some(shop));
        assert_eq!(hash(&a.plaintext), a.hash);
        assert!(is_member_token(&a.plaintext));
        assert_eq!(crate::access::keys::shop_of(&a.plaintext), None);
        let key = crate::access::keys::generate(shop);
        assert_eq!(shop_of(&key.plaintext), None);
        assert_eq!(shop_of("lm_nope_x"), None);
    }
}
