//! A shop's own e-mail sender: the From and Reply-To of its campaign e-mails and,
//! optionally, its own SMTP server (the URL sealed: it may carry a password). Without a
//! server of its own, the operator's `LOYALTY_SMTP_URL` relays the shop's mail.
use crate::secrets::{Purpose, Secret, no_key};
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::{Address, AsyncSmtpTransport, Tokio1Executor};
use loyalty_entities::email_sender as row;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QuerySelect, TransactionTrait};
use uuid::Uuid;

/// What `configureEmailSender` takes.
#[derive(Debug, Clone)]
pub struct SenderInput {
    /// The name recipients see.
    pub from_name: String,
    /// The From address.
    pub from_address: String,
    /// Where replies go.
    pub reply_to: Option<String>,
    /// The shop's own SMTP server (`smtp://user:pass@host:587?tls=required`).
    pub smtp_url: Option<Secret>,
}

/// What anyone may see of a shop's sender: never its server's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderView {
    /// The name recipients see.
    pub from_name: String,
    /// The From address.
    pub from_address: String,
    /// Where replies go.
    pub reply_to: Option<String>,
    /// Whether the shop sends through its own SMTP server.
    pub own_smtp_server: bool,
    /// When it was configured.
    pub updated_at: DateTime<Utc>,
}

impl From<row::Model> for SenderView {
    fn from(r: row::Model) -> Self {
        Self {
            from_name: r.from_name,
            from_address: r.from_address,
            reply_to: r.reply_to,
            own_smtp_server: r.smtp_url.is_some(),
            updated_at: r.updated_at,
        }
    }
}

fn address(field: &str, raw: &str) -> Result<Address> {
    let raw = raw.trim();
    if raw.len() > 254 {
        return Err(DomainError::invalid(field, "at most 254 characters"));
    }
    raw.parse()
        .map_err(|_| DomainError::invalid(field, "not an e-mail address"))
}

impl SenderInput {
    /// Refuses bad addresses, names and server URLs.
    pub fn validate(&self) -> Result<()> {
        let name = self.from_name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "fromName",
                "1 to 100 characters, no control characters",
            ));
        }
        address("fromAddress", &self.from_address)?;
        if let Some(r) = &self.reply_to {
            address("replyTo", r)?;
        }
        if let Some(url) = &self.smtp_url {
            let url = url.expose();
            // The parser's message could repeat the URL, password included: not shown.
            if url.len() > 2048
                || !(url.starts_with("smtp://") || url.starts_with("smtps://"))
                || AsyncSmtpTransport::<Tokio1Executor>::from_url(url).is_err()
            {
                return Err(DomainError::invalid(
                    "smtpUrl",
                    "an SMTP URL: smtp://host:25, smtp://user:pass@host:587?tls=required \
                     or smtps://user:pass@host:465, at most 2048 characters",
                ));
            }
        }
        Ok(())
    }
}

/// Sets the shop's sender (replacing the previous one); its server URL, if any, sealed.
pub async fn configure(ctx: &Ctx, shop_id: Uuid, input: SenderInput) -> Result<SenderView> {
    input.validate()?;
    let smtp_url = match &input.smtp_url {
        None => None,
        Some(_) if !ctx.secrets.available() => return Err(no_key()),
        Some(url) => Some(ctx.secrets.seal(shop_id, Purpose::SmtpUrl, url)?),
    };
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let existing = row::Entity::find_by_id(shop_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let model = row::ActiveModel {
        shop_id: Set(shop_id),
        from_name: Set(input.from_name.trim().to_owned()),
        from_address: Set(input.from_address.trim().to_owned()),
        reply_to: Set(input.reply_to.map(|r| r.trim().to_owned())),
        smtp_url: Set(smtp_url),
        updated_at: Set(now),
    };
    let saved = if existing.is_some() {
        model.update(&txn).await?
    } else {
        model.insert(&txn).await?
    };
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Ok(saved.into())
}

/// The shop's sender, if it configured one.
pub async fn view(ctx: &Ctx, shop_id: Uuid) -> Result<Option<SenderView>> {
    Ok(row::Entity::find_by_id(shop_id)
        .one(&ctx.db)
        .await?
        .map(Into::into))
}

/// Who a shop's e-mails are from.
#[derive(Debug, Clone)]
pub struct Identity {
    /// From.
    pub from: Mailbox,
    /// Reply-To.
    pub reply_to: Option<Mailbox>,
}

/// The shop's sender as the channel needs it.
#[derive(Debug)]
pub enum Configured {
    /// None configured.
    None,
    /// Its identity, its own server's URL if any, and when it was set (for caching).
    Own {
        /// From and Reply-To.
        identity: Identity,
        /// The shop's SMTP server.
        smtp_url: Option<Secret>,
        /// When configured.
        updated_at: DateTime<Utc>,
    },
    /// Unusable, for this reason.
    Broken(String),
}

/// The shop's sender with its server URL opened.
pub async fn load(ctx: &Ctx, shop_id: Uuid) -> Result<Configured> {
    let Some(r) = row::Entity::find_by_id(shop_id).one(&ctx.db).await? else {
        return Ok(Configured::None);
    };
    let from = match address("fromAddress", &r.from_address) {
        Ok(a) => Mailbox::new(Some(r.from_name.clone()), a),
        Err(_) => {
            return Ok(Configured::Broken(
                "the shop's From address is invalid".into(),
            ));
        }
    };
    let reply_to = r
        .reply_to
        .as_deref()
        .and_then(|a| address("replyTo", a).ok())
        .map(|a| Mailbox::new(None, a));
    let smtp_url = match &r.smtp_url {
        None => None,
        Some(sealed) => match ctx.secrets.open(shop_id, Purpose::SmtpUrl, sealed) {
            Ok(url) => Some(url),
            Err(_) => {
                return Ok(Configured::Broken(
                    "E-mail: the shop's SMTP server URL does not open with this server's \
                     LOYALTY_SECRET_KEY (unset or changed); configure the sender again"
                        .into(),
                ));
            }
        },
    };
    Ok(Configured::Own {
        identity: Identity { from, reply_to },
        smtp_url,
        updated_at: r.updated_at,
    })
}
