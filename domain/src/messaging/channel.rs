//! The one trait every channel's transport implements, and the registry of them.
use super::{ChannelKind, Rendered};
use crate::{Ctx, Result};
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
    /// The shop's account cannot send (its token refresh was refused): the message waits,
    /// and the shop's campaigns on the channel stop with this reason until it reconnects.
    AccountStopped {
        /// Why, for the merchant.
        reason: String,
    },
}

/// A boxed send future, so senders can live behind `dyn Sender`.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = SendOutcome> + Send + 'a>>;

/// A boxed future of a shop's sender.
pub type OpenFuture<'a> = Pin<Box<dyn Future<Output = Result<Opened>> + Send + 'a>>;

/// One shop's way out on one channel, ready for a batch of messages.
pub trait Sender: Send + Sync {
    /// Sends `message`; never panics, every failure is an outcome.
    fn send<'a>(&'a self, message: &'a Outbound) -> SendFuture<'a>;
}

/// What opening a shop's sender gave.
pub enum Opened {
    /// Ready to send.
    Ready(Arc<dyn Sender>),
    /// The shop cannot send on this channel now (no account and no operator default, or
    /// an account the provider refused); the reason is for the merchant.
    Unavailable(String),
}

/// A channel's transport. Each shop sends through its own account on the channel (kept
/// in the channel's own module) or, for a single-shop install, the operator's defaults
/// from the environment.
pub trait Channel: Send + Sync {
    /// Which channel this is.
    fn kind(&self) -> ChannelKind;
    /// The sender of `shop_id`: its own account, else the operator's defaults.
    fn open<'a>(&'a self, ctx: &'a Ctx, shop_id: Uuid) -> OpenFuture<'a>;
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
