//! Messaging: the channels campaigns send through (a plug-in per channel: its module,
//! its facts behind [`spec::ChannelSpec`], its transport behind [`channel::Channel`], and
//! one line in [`registry`]), message content and its templates, and the shop's messaging
//! balance that every sent message draws from; members' consent per channel and the
//! unsubscribe links of e-mails.

pub mod balance;
pub mod channel;
pub mod consent;
pub mod content;
pub mod kind;
pub mod prices;
pub mod registry;
pub mod sms;
pub mod smtp;
pub mod spec;
pub mod template;
pub mod test_message;
pub mod unsubscribe;
pub mod zns;

pub use channel::{Channel, Channels, Outbound, SendOutcome};
pub use content::{Content, Rendered};
pub use kind::ChannelKind;
pub use prices::Prices;
