//! One-click unsubscribe links (RFC 8058): every e-mail carries a link, and a
//! `List-Unsubscribe` header, to `GET /unsubscribe/{token}`, where the token names the
//! shop, the member and the channel and is signed with the shop's key (HMAC-SHA256), so a
//! link can opt out only the member it was sent to. Tokens do not expire: a link in an
//! old e-mail still works, as mailbox providers expect.
//!
//! The shop's key is derived from the server's `LOYALTY_UNSUBSCRIBE_KEY` when one is set
//! (nothing secret in the database); otherwise it is 32 random bytes made on the shop's
//! first e-mail and kept in `unsubscribe_keys`, so every replica agrees without
//! configuration. Switching between the two refuses the links sent before.
use super::ChannelKind;
use super::consent::{self, OptOutSource};
use crate::{Ctx, DomainError, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use loyalty_entities::unsubscribe_key;
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait};
use sha2::{Digest, Sha256};
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

/// Shortest `LOYALTY_UNSUBSCRIBE_KEY` accepted, characters.
pub const MIN_SECRET_CHARS: usize = 32;

/// Longest token read; a longer one is refused before any decoding.
const MAX_TOKEN_CHARS: usize = 200;

/// Where the shops' keys come from: the server's secret, or the database.
#[derive(Clone, Default)]
pub struct UnsubscribeKeys {
    master: Option<[u8; 32]>,
}

impl std::fmt::Debug for UnsubscribeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnsubscribeKeys")
            .field("configured", &self.master.is_some())
            .finish()
    }
}

/// A shop's signing key.
#[derive(Clone)]
pub struct ShopKey([u8; 32]);

/// Whom a token unsubscribes, from what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    /// The shop.
    pub shop_id: Uuid,
    /// Its member.
    pub member_id: Uuid,
    /// The channel.
    pub channel: ChannelKind,
}

impl UnsubscribeKeys {
    /// Keys made per shop and kept in the database (no server secret).
    pub fn generated() -> Self {
        Self::default()
    }

    /// Keys derived from the server's secret, which must have at least
    /// [`MIN_SECRET_CHARS`] characters.
    pub fn from_secret(secret: &str) -> std::result::Result<Self, String> {
        if secret.chars().count() < MIN_SECRET_CHARS {
            return Err(format!(
                "LOYALTY_UNSUBSCRIBE_KEY must have at least {MIN_SECRET_CHARS} characters"
            ));
        }
        Ok(Self {
            master: Some(Sha256::digest(secret.as_bytes()).into()),
        })
    }

    /// The shop's key; with `create`, a database key is made if the shop has none yet
    /// (the sender does; the link's checker never creates one, so a forged link of a shop
    /// that never sent an e-mail is refused without a write).
    pub async fn shop_key<C: ConnectionTrait>(
        &self,
        conn: &C,
        shop_id: Uuid,
        create: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<ShopKey>> {
        if let Some(master) = &self.master {
            let mut mac = new_mac(master);
            mac.update(b"loyalty-unsubscribe-shop:");
            mac.update(shop_id.as_bytes());
            return Ok(Some(ShopKey(mac.finalize().into_bytes().into())));
        }
        if create {
            let mut fresh = [0u8; 32];
            rand::rng().fill_bytes(&mut fresh);
            // Two replicas sending the shop's first e-mails at once: one insert wins,
            // both read the winner's key.
            unsubscribe_key::Entity::insert(unsubscribe_key::ActiveModel {
                shop_id: Set(shop_id),
                key: Set(hex::encode(fresh)),
                created_at: Set(now),
            })
            .on_conflict(
                OnConflict::column(unsubscribe_key::Column::ShopId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
        }
        let Some(row) = unsubscribe_key::Entity::find_by_id(shop_id)
            .one(conn)
            .await?
        else {
            return Ok(None);
        };
        let bytes: [u8; 32] = hex::decode(&row.key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| DomainError::Internal("stored unsubscribe key is malformed".into()))?;
        Ok(Some(ShopKey(bytes)))
    }
}

fn new_mac(key: &[u8; 32]) -> HmacSha256 {
    // HMAC takes a key of any length; 32 bytes cannot be refused.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

fn payload(s: &Subject) -> Vec<u8> {
    let mut p = Vec::with_capacity(40);
    p.extend_from_slice(s.shop_id.as_bytes());
    p.extend_from_slice(s.member_id.as_bytes());
    p.extend_from_slice(s.channel.as_str().as_bytes());
    p
}

/// The token of `subject`: `base64url(shop ‖ member ‖ channel) . base64url(HMAC)`.
pub fn sign(key: &ShopKey, subject: &Subject) -> String {
    let p = payload(subject);
    let mut mac = new_mac(&key.0);
    mac.update(&p);
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&p),
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// Reads a token's subject without checking its signature; `None` when it is not one of
/// ours at all.
pub fn read(token: &str) -> Option<Subject> {
    if token.len() > MAX_TOKEN_CHARS {
        return None;
    }
    let (p, _) = token.split_once('.')?;
    let p = URL_SAFE_NO_PAD.decode(p).ok()?;
    if p.len() <= 32 {
        return None;
    }
    let shop_id = Uuid::from_slice(&p[..16]).ok()?;
    let member_id = Uuid::from_slice(&p[16..32]).ok()?;
    let channel = ChannelKind::parse(std::str::from_utf8(&p[32..]).ok()?).ok()?;
    Some(Subject {
        shop_id,
        member_id,
        channel,
    })
}

/// Whether `token` is `key`'s signature of what it names (compared in constant time).
pub fn verify(key: &ShopKey, token: &str) -> bool {
    let Some((p, sig)) = token.split_once('.') else {
        return false;
    };
    let (Ok(p), Ok(sig)) = (URL_SAFE_NO_PAD.decode(p), URL_SAFE_NO_PAD.decode(sig)) else {
        return false;
    };
    let mut mac = new_mac(&key.0);
    mac.update(&p);
    mac.verify_slice(&sig).is_ok()
}

/// The link of `token` under the server's public base URL.
pub fn link(public_url: &str, token: &str) -> String {
    format!("{}/unsubscribe/{token}", public_url.trim_end_matches('/'))
}

/// The line under an e-mail's text with its unsubscribe link (Vietnamese first, as the
/// shops' customers read it).
pub fn footer(url: &str) -> String {
    format!("\n\n--\nKhông muốn nhận email này nữa? Hủy đăng ký / Unsubscribe: {url}\n")
}

/// What a followed link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribed {
    /// The shop's name, for the confirmation page.
    pub shop_name: String,
    /// The channel opted out of.
    pub channel: ChannelKind,
}

/// Follows an unsubscribe link: checks the token and records the opt-out (idempotent,
/// one transaction). `NotFound` for a token that is not ours, whose signature does not
/// match, or whose member is gone.
pub async fn follow(ctx: &Ctx, keys: &UnsubscribeKeys, token: &str) -> Result<Unsubscribed> {
    let refused = || DomainError::NotFound("this unsubscribe link is not valid".into());
    let subject = read(token).ok_or_else(refused)?;
    let now = ctx.clock.now();
    let key = keys
        .shop_key(&ctx.db, subject.shop_id, false, now)
        .await?
        .ok_or_else(refused)?;
    if !verify(&key, token) {
        return Err(refused());
    }
    let shop = crate::shops::load(&ctx.db, subject.shop_id).await?;
    let txn = ctx.db.begin().await?;
    consent::set_in(
        &txn,
        subject.shop_id,
        subject.member_id,
        subject.channel,
        false,
        OptOutSource::Link,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Unsubscribed {
        shop_name: shop.name,
        channel: subject.channel,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Subject {
        Subject {
            shop_id: Uuid::now_v7(),
            member_id: Uuid::now_v7(),
            channel: ChannelKind::Email,
        }
    }

    #[test]
    fn a_signed_token_reads_back_and_verifies_under_its_key_only() {
        let (k1, k2) = (ShopKey([7; 32]), ShopKey([8; 32]));
        let s = subject();
        let token = sign(&k1, &s);
        assert_eq!(read(&token), Some(s));
        assert!(verify(&k1, &token));
        assert!(!verify(&k2, &token));
        assert!(token.len() < MAX_TOKEN_CHARS, "{token}");
    }

    #[test]
    fn a_token_naming_another_member_fails_its_signature() {
        let k = ShopKey([7; 32]);
        let s = subject();
        let token = sign(&k, &s);
        let other = Subject {
            member_id: Uuid::now_v7(),
            ..s
        };
        let (_, sig) = token.split_once('.').unwrap_or_default();
        let forged = format!("{}.{sig}", URL_SAFE_NO_PAD.encode(payload(&other)));
        assert_eq!(read(&forged), Some(other));
        assert!(!verify(&k, &forged));
        assert_eq!(read("garbage"), None);
        assert_eq!(read(&"a".repeat(500)), None);
    }

    #[test]
    fn a_configured_secret_must_be_long_enough() {
        assert!(UnsubscribeKeys::from_secret("short").is_err());
        assert!(UnsubscribeKeys::from_secret(&"x".repeat(32)).is_ok());
    }
}
