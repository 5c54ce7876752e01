//! The one trait every channel's transport implements, and the registry of them.
use super::{ChannelKind, Rendered};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use uuid::Uuid;

/// A message ready to go to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    /// Our delivery id: the provider's tracking id, so a resend is recognisable.
    pub delivery_id: Uuid,
    /// The sending shop.
    pub shop_id: Uuid,
    /// Phone (ZNS) or e-mail address.
    pub to: String,
    /// The filled-in message.
    pub message: Rendered,
    /// The recipient's one-click unsubscribe link, for channels that carry one (e-mail:
    /// `List-Unsubscribe` and a line under the body).
    pub unsubscribe_url: Option<String>,
}

/// What the provider said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted.
    Sent {
        /// The provider's message id.
        provider_id: Option<String>,
        /// Messages the account may still send today, when the provider says.
        quota_left: Option<i64>,
    },
    /// Not sent for a passing reason (network, provider hiccup): try again later.
    Retry {
        /// Provider or transport code.
        code: String,
        /// Its message.
        message: String,
    },
    /// Refused for good (bad phone, bad template): record and move on.
    Failed {
        /// Provider code.
        code: String,
        /// Its message.
        message: String,
    },
    /// The account's quota is used up: nothing more goes out until it renews.
    QuotaExhausted {
        /// Provider code.
        code: String,
        /// Its message.
        message: String,
    },
}

/// A boxed send future, so channels can live behind `dyn Channel`.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = SendOutcome> + Send + 'a>>;

/// A channel's transport: sends one message and classifies the answer.
pub trait Channel: Send + Sync {
    /// Which channel this is.
    fn kind(&self) -> ChannelKind;
    /// Sends `message`; never panics, every failure is an outcome.
    fn send<'a>(&'a self, message: &'a Outbound) -> SendFuture<'a>;
}

/// The channels this server can send through.
#[derive(Clone, Default)]
pub struct Channels {
    by_kind: HashMap<ChannelKind, Arc<dyn Channel>>,
}

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_kind.keys()).finish()
    }
}

impl Channels {
    /// No channels.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a channel.
    pub fn register(&mut self, channel: Arc<dyn Channel>) {
        self.by_kind.insert(channel.kind(), channel);
    }

    /// The channel for `kind`, if configured.
    pub fn get(&self, kind: ChannelKind) -> Option<&Arc<dyn Channel>> {
        self.by_kind.get(&kind)
    }
}
