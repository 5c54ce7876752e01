//! Standard Webhooks signing: the secret is `whsec_` and the base64 of random bytes, the
//! HMAC-SHA256 key is those bytes, and each message carries `webhook-id`,
//! `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 of the HMAC of
//! "{id}.{timestamp}.{body}">`.
use crate::secrets::Secret;
use crate::{DomainError, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of every signing secret.
pub const PREFIX: &str = "whsec_";
/// Random bytes in a new secret (the convention allows 24 to 64).
const SECRET_BYTES: usize = 32;

/// A new signing secret.
pub fn new_secret() -> Secret {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    Secret::new(format!("{PREFIX}{}", STANDARD.encode(bytes)))
}

/// The HMAC key of a `whsec_…` secret.
pub fn key_of(secret: &Secret) -> Result<Vec<u8>> {
    secret
        .expose()
        .strip_prefix(PREFIX)
        .and_then(|b| STANDARD.decode(b).ok())
        .filter(|k| (24..=64).contains(&k.len()))
        .ok_or_else(|| DomainError::Internal("a stored webhook secret is malformed".into()))
}

/// The `webhook-signature` header of a message.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &str) -> Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| DomainError::Internal("an HMAC key was refused".into()))?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_reference_message() {
        // The example of the Standard Webhooks specification and its reference libraries.
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let key = key_of(&secret).unwrap_or_default();
        let sig = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap_or_default();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn new_secrets_are_whsec_and_decode_to_their_key() {
        let s = new_secret();
        assert!(s.expose().starts_with(PREFIX));
        assert_eq!(key_of(&s).map(|k| k.len()).ok(), Some(SECRET_BYTES));
        assert_ne!(new_secret(), s);
    }
}
