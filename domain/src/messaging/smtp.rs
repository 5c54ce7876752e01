//! E-mail over SMTP with lettre: plain, STARTTLS or TLS and credentials, all from the URL
//! (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`, `smtps://host:465`).
//!
//! A shop sends as its own sender ([`sender`]: From, Reply-To, and its own server if it
//! gave one); without a server of its own, through the operator's `LOYALTY_SMTP_URL`;
//! without a sender, as the operator's `LOYALTY_SMTP_FROM` (a single-shop install).
pub mod content;
pub mod sender;
pub mod spec;

use super::channel::{Channel, OpenFuture, Opened, Outbound, SendFuture, SendOutcome, Sender};
use super::unsubscribe;
use super::{ChannelKind, Rendered};
use crate::Ctx;
use chrono::{DateTime, Utc};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MessageBuilder, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sender::{Configured, Identity};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// The e-mail transport.
pub struct SmtpChannel {
    default_transport: Option<Transport>,
    default_from: Mailbox,
    /// Shops' own servers, kept (with their pooled connections) while their sender is
    /// unchanged.
    own: Mutex<HashMap<Uuid, (DateTime<Utc>, Transport)>>,
}

impl std::fmt::Debug for SmtpChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpChannel")
            .field("default_from", &self.default_from)
            .field("default_transport", &self.default_transport.is_some())
            .finish()
    }
}

/// A configuration that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    /// The server URL.
    #[error("SMTP URL: {0}")]
    Url(#[from] lettre::transport::smtp::Error),
    /// The sender.
    #[error("sender address: {0}")]
    From(#[from] lettre::address::AddressError),
}

impl SmtpChannel {
    /// The channel with the operator's server at `url` (none: only shops with a server
    /// of their own send e-mail) and default sender `from` (`Shop <noreply@shop.vn>`).
    pub fn new(url: Option<&str>, from: &str) -> Result<Self, SmtpConfigError> {
        Ok(Self {
            default_transport: url
                .map(|u| Transport::from_url(u).map(|b| b.build()))
                .transpose()?,
            default_from: from.parse()?,
            own: Mutex::new(HashMap::new()),
        })
    }

    fn own_transport(&self, shop_id: Uuid, at: DateTime<Utc>, url: &str) -> Option<Transport> {
        let mut own = self.own.lock().ok()?;
        if let Some((when, t)) = own.get(&shop_id)
            && *when == at
        {
            return Some(t.clone());
        }
        let t = Transport::from_url(url).ok()?.build();
        own.insert(shop_id, (at, t.clone()));
        Some(t)
    }

    async fn open_for(&self, ctx: &Ctx, shop_id: Uuid) -> crate::Result<Opened> {
        let no_server = || {
            Opened::Unavailable(
                "E-mail: no SMTP server for this shop: give one with \
                 configureEmailSender(smtpUrl), or the operator sets LOYALTY_SMTP_URL"
                    .into(),
            )
        };
        let (transport, identity) = match sender::load(ctx, shop_id).await? {
            Configured::Broken(reason) => return Ok(Opened::Unavailable(reason)),
            Configured::None => match &self.default_transport {
                None => return Ok(no_server()),
                Some(t) => (
                    t.clone(),
                    Identity {
                        from: self.default_from.clone(),
                        reply_to: None,
                    },
                ),
            },
            Configured::Own {
                identity,
                smtp_url,
                updated_at,
            } => {
                let transport = match smtp_url {
                    Some(url) => self.own_transport(shop_id, updated_at, url.expose()),
                    None => self.default_transport.clone(),
                };
                match transport {
                    None => return Ok(no_server()),
                    Some(t) => (t, identity),
                }
            }
        };
        Ok(Opened::Ready(Arc::new(ShopMailer {
            transport,
            identity,
        })))
    }
}

/// Escapes text for HTML.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// The HTML part of a message written as text only: the text, escaped, its line breaks
/// kept.
pub fn text_as_html(text: &str) -> String {
    format!(
        "<!DOCTYPE html><html><body><div style=\"white-space: pre-wrap\">{}</div></body></html>",
        escape_html(text)
    )
}

/// Builds the e-mail of `message` as `identity`: multipart/alternative, the text then
/// the HTML part, our delivery id as its Message-ID (a resend after a crash is the same
/// message). Every header of a campaign e-mail is set here.
pub fn build_message(identity: &Identity, message: &Outbound) -> Result<Message, SendOutcome> {
    let Rendered::Email(content::EmailFilled {
        subject,
        body,
        html,
    }) = &message.message
    else {
        return Err(failed(
            "WRONG_CHANNEL",
            "only an e-mail goes by e-mail".into(),
        ));
    };
    let to: Mailbox = message
        .to
        .parse()
        .map_err(|e: lettre::address::AddressError| failed("INVALID_ADDRESS", e.to_string()))?;
    let mut builder = Message::builder()
        .from(identity.from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<{}@loyalty>", message.delivery_id.simple())));
    if let Some(reply_to) = &identity.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    let (mut text, mut html) = (body.clone(), html.clone());
    if let Some(url) = &message.unsubscribe_url {
        builder = with_unsubscribe(builder, url);
        text.push_str(&unsubscribe::footer(url));
        html = with_html_footer(&html, url);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| failed("INVALID_MESSAGE", e.to_string()))
}

/// The HTML part with the unsubscribe link as its last paragraph (before `</body>` when
/// the part has one).
fn with_html_footer(html: &str, url: &str) -> String {
    let url = escape_html(url);
    let footer = format!(
        "<p style=\"font-size:12px;color:#666\">Không muốn nhận email này nữa? \
         <a href=\"{url}\">Hủy đăng ký / Unsubscribe</a></p>"
    );
    match html.rfind("</body>") {
        Some(at) => format!("{}{footer}{}", &html[..at], &html[at..]),
        None => format!("{html}{footer}"),
    }
}

/// One shop's way to send e-mail.
struct ShopMailer {
    transport: Transport,
    identity: Identity,
}

impl ShopMailer {
    async fn deliver(&self, message: &Outbound) -> SendOutcome {
        let email = match build_message(&self.identity, message) {
            Ok(e) => e,
            Err(outcome) => return outcome,
        };
        match self.transport.send(email).await {
            Ok(response) => SendOutcome::Sent {
                provider_id: response.message().next().map(str::to_owned),
                quota_left: None,
            },
            Err(e) => {
                let code = e
                    .status()
                    .map_or_else(|| "TRANSPORT".to_owned(), |c| format!("SMTP_{c}"));
                if e.is_permanent() {
                    failed(&code, e.to_string())
                } else {
                    SendOutcome::Retry {
                        code,
                        message: e.to_string(),
                    }
                }
            }
        }
    }
}

/// Adds the one-click unsubscribe headers for `url`: `List-Unsubscribe` (RFC 2369) and
/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), with which mailbox
/// providers offer their own unsubscribe button and POST to the link.
pub fn with_unsubscribe(email: MessageBuilder, url: &str) -> MessageBuilder {
    email
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{url}>"),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ))
}

fn failed(code: &str, message: String) -> SendOutcome {
    SendOutcome::Failed {
        code: code.to_owned(),
        message,
    }
}

impl Sender for ShopMailer {
    fn send<'a>(&'a self, message: &'a Outbound) -> SendFuture<'a> {
        Box::pin(self.deliver(message))
    }
}

impl Channel for SmtpChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    fn open<'a>(&'a self, ctx: &'a Ctx, shop_id: Uuid) -> OpenFuture<'a> {
        Box::pin(self.open_for(ctx, shop_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_escaped_html() {
        let html = text_as_html("a < b & \"c\"\nd");
        assert!(html.contains("a &lt; b &amp; &quot;c&quot;\nd"), "{html}");
    }

    #[test]
    fn the_message_is_multipart_alternative_with_reply_to() {
        let identity = Identity {
            from: "Shop <shop@example.com>"
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
            reply_to: "care@example.com".parse().ok(),
        };
        let out = Outbound {
            delivery_id: Uuid::from_u128(7),
            shop_id: Uuid::nil(),
            to: "an@example.com".into(),
            message: Rendered::Email(content::EmailFilled {
                subject: "Hi".into(),
                body: "text".into(),
                html: "<html><body><p>html</p></body></html>".into(),
            }),
            unsubscribe_url: Some("https://l.example/unsubscribe/t0k".into()),
        };
        let raw = build_message(&identity, &out)
            .map(|m| String::from_utf8_lossy(&m.formatted()).into_owned())
            .unwrap_or_default();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("Reply-To: care@example.com"), "{raw}");
        assert!(raw.contains("text/html"), "{raw}");
        // The unsubscribe link: both headers, and in both parts (the HTML one before
        // `</body>`).
        assert!(
            raw.contains("List-Unsubscribe: <https://l.example/unsubscribe/t0k>"),
            "{raw}"
        );
        assert!(
            raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{raw}"
        );
        // The parts are quoted-printable: undo its soft line breaks and `=3D` to read them.
        let parts = raw.replace("=\r\n", "").replace("=3D", "=");
        assert!(
            parts.contains("Unsubscribe: https://l.example/unsubscribe/t0k"),
            "{parts}"
        );
        assert!(
            parts.contains("<a href=\"https://l.example/unsubscribe/t0k\">"),
            "{parts}"
        );
        assert!(
            parts.contains("Unsubscribe</a></p></body></html>"),
            "{parts}"
        );
    }
}
