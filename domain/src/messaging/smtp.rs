//! E-mail over SMTP with lettre: plain, STARTTLS or TLS and credentials, all from the URL
//! (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`, `smtps://host:465`).
use super::channel::{Channel, Outbound, SendFuture, SendOutcome};
use super::unsubscribe;
use super::{ChannelKind, Rendered};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MessageBuilder};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// The e-mail transport.
#[derive(Clone)]
pub struct SmtpChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpChannel")
            .field("from", &self.from)
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
    /// A transport to the server at `url` sending as `from` (`Shop <noreply@shop.vn>`).
    pub fn new(url: &str, from: &str) -> Result<Self, SmtpConfigError> {
        Ok(Self {
            transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build(),
            from: from.parse()?,
        })
    }

    async fn deliver(&self, message: &Outbound) -> SendOutcome {
        let Rendered::Email { subject, body } = &message.message else {
            return failed("WRONG_CHANNEL", "a ZNS template cannot go by e-mail".into());
        };
        let to: Mailbox = match message.to.parse() {
            Ok(m) => m,
            Err(e) => return failed("INVALID_ADDRESS", e.to_string()),
        };
        // The delivery id is the Message-ID: a resend after a crash is the same message.
        let mut email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{}@loyalty>", message.delivery_id.simple())))
            .header(ContentType::TEXT_PLAIN);
        let mut body = body.clone();
        if let Some(url) = &message.unsubscribe_url {
            email = with_unsubscribe(email, url);
            body.push_str(&unsubscribe::footer(url));
        }
        let email = email.body(body);
        let email = match email {
            Ok(e) => e,
            Err(e) => return failed("INVALID_MESSAGE", e.to_string()),
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

impl Channel for SmtpChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    fn send<'a>(&'a self, message: &'a Outbound) -> SendFuture<'a> {
        Box::pin(self.deliver(message))
    }
}
