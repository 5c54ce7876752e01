//! Secrets at rest: a shop's provider credentials (Zalo secret key and tokens, SMTP
//! passwords, SMS gateway keys) are sealed with AES-256-GCM under the operator's
//! `LOYALTY_SECRET_KEY` before they reach the database, and opened only to call the
//! provider.
//!
//! Each seal has its own random nonce, stored in front of the ciphertext. The associated
//! data is the shop's id and the secret's purpose, so a ciphertext copied into another
//! shop's row, or into another column, does not open. Plain secrets only ever live in a
//! [`Secret`], whose `Debug` prints nothing of them.
use crate::{DomainError, Result};
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use std::sync::Arc;
use uuid::Uuid;

/// The version prefix of a sealed value: `v1:` then hex of nonce and ciphertext.
const PREFIX: &str = "v1:";
/// AES-GCM's nonce, bytes.
const NONCE_LEN: usize = 12;

/// What a secret is for; part of the associated data, so a value sealed for one purpose
/// never opens as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A Zalo app's secret key.
    ZaloSecretKey,
    /// A Zalo OA access token.
    ZaloAccessToken,
    /// A Zalo OA refresh token.
    ZaloRefreshToken,
    /// The OA secret key of a Zalo app's webhook settings (it signs Zalo's events).
    ZaloWebhookKey,
    /// An SMTP server URL (it may carry a password).
    SmtpUrl,
    /// An SMS gateway's (eSMS) API key.
    SmsApiKey,
    /// An SMS gateway's (eSMS) secret key.
    SmsSecretKey,
    /// A webhook endpoint's signing secret (`whsec_…`).
    WebhookSecret,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Self::ZaloSecretKey => "zalo.secret_key",
            Self::ZaloAccessToken => "zalo.access_token",
            Self::ZaloRefreshToken => "zalo.refresh_token",
            Self::ZaloWebhookKey => "zalo.webhook_key",
            Self::SmtpUrl => "smtp.url",
            Self::SmsApiKey => "sms.api_key",
            Self::SmsSecretKey => "sms.secret_key",
            Self::WebhookSecret => "webhook.secret",
        }
    }
}

/// A plain secret in memory. Its `Debug` is redacted, and it has no `Display`, so it
/// cannot slip into a log line or an error message by formatting.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a plain value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The plain value, for the one call that sends it to its provider.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// A `LOYALTY_SECRET_KEY` that is not 32 bytes written as 64 hexadecimal characters.
#[derive(Debug, thiserror::Error)]
#[error(
    "LOYALTY_SECRET_KEY must be 32 random bytes written as 64 hexadecimal characters \
     (generate one with `openssl rand -hex 32`); the value given has {0} characters or is not hexadecimal"
)]
pub struct KeyError(usize);

/// The sealing key of this server, if the operator gave one.
#[derive(Clone, Default)]
pub struct Secrets {
    cipher: Option<Arc<Aes256Gcm>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field(
                "key",
                &if self.cipher.is_some() {
                    "set"
                } else {
                    "unset"
                },
            )
            .finish()
    }
}

/// The refusal of a server without a key to store a secret.
pub fn no_key() -> DomainError {
    DomainError::Unconfigured(
        "this server cannot store secrets: set LOYALTY_SECRET_KEY to 64 hexadecimal \
         characters (`openssl rand -hex 32`) and restart it"
            .into(),
    )
}

impl Secrets {
    /// No key: secrets can be neither stored nor read.
    pub fn none() -> Self {
        Self::default()
    }

    /// The key written as 64 hexadecimal characters.
    pub fn from_hex(hex_key: &str) -> Result<Self, KeyError> {
        let hex_key = hex_key.trim();
        let bytes = hex::decode(hex_key).map_err(|_| KeyError(hex_key.chars().count()))?;
        if bytes.len() != 32 {
            return Err(KeyError(hex_key.chars().count()));
        }
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| KeyError(bytes.len() * 2))?;
        Ok(Self {
            cipher: Some(Arc::new(cipher)),
        })
    }

    /// Whether this server has a key.
    pub fn available(&self) -> bool {
        self.cipher.is_some()
    }

    fn cipher(&self) -> Result<&Aes256Gcm> {
        self.cipher.as_deref().ok_or_else(no_key)
    }

    fn aad(shop_id: Uuid, purpose: Purpose) -> Vec<u8> {
        let mut aad = shop_id.as_bytes().to_vec();
        aad.extend_from_slice(purpose.label().as_bytes());
        aad
    }

    /// Seals `plain` for `shop_id` and `purpose`; refuses without a key.
    pub fn seal(&self, shop_id: Uuid, purpose: Purpose, plain: &Secret) -> Result<String> {
        let cipher = self.cipher()?;
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.expose().as_bytes(),
                    aad: &Self::aad(shop_id, purpose),
                },
            )
            .map_err(|_| DomainError::Internal("sealing a secret failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", hex::encode(out)))
    }

    /// Opens a value [`Secrets::seal`] made for the same shop and purpose. A wrong key, a
    /// value of another shop or purpose, or a damaged value is an error, which never
    /// contains the value.
    pub fn open(&self, shop_id: Uuid, purpose: Purpose, sealed: &str) -> Result<Secret> {
        let cipher = self.cipher()?;
        let bad = || {
            DomainError::Internal(format!(
                "a stored {} does not open with this server's LOYALTY_SECRET_KEY",
                purpose.label()
            ))
        };
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|h| hex::decode(h).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or_else(bad)?;
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| bad())?;
        let plain = cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: body,
                    aad: &Self::aad(shop_id, purpose),
                },
            )
            .map_err(|_| bad())?;
        String::from_utf8(plain).map(Secret).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn a_sealed_value_opens_only_for_its_shop_and_purpose() {
        let s = Secrets::from_hex(KEY).unwrap_or_default();
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let plain = Secret::new("smtp://u:hunter2@mail:587");
        let sealed = s.seal(a, Purpose::SmtpUrl, &plain).unwrap_or_default();
        assert!(!sealed.contains("hunter2"));
        assert_eq!(
            s.open(a, Purpose::SmtpUrl, &sealed).ok(),
            Some(plain.clone())
        );
        assert!(
            s.open(b, Purpose::SmtpUrl, &sealed).is_err(),
            "another shop"
        );
        assert!(
            s.open(a, Purpose::ZaloAccessToken, &sealed).is_err(),
            "another purpose"
        );
        let again = s.seal(a, Purpose::SmtpUrl, &plain).unwrap_or_default();
        assert_ne!(sealed, again, "a fresh nonce each time");
        let other = Secrets::from_hex(&KEY.replace("1f", "ff")).unwrap_or_default();
        assert!(
            other.open(a, Purpose::SmtpUrl, &sealed).is_err(),
            "another key"
        );
    }

    #[test]
    fn keys_must_be_64_hex_characters_and_missing_keys_refuse() {
        assert!(Secrets::from_hex(&KEY[..62]).is_err());
        assert!(Secrets::from_hex(&format!("{KEY}00")).is_err());
        assert!(Secrets::from_hex(&KEY.replace('0', "g")).is_err());
        let none = Secrets::none();
        let e = none.seal(Uuid::nil(), Purpose::SmtpUrl, &Secret::new("x"));
        assert!(matches!(e, Err(DomainError::Unconfigured(m)) if m.contains("LOYALTY_SECRET_KEY")));
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
