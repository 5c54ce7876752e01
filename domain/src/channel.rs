//! The sales channels orders and customers come from: a concept of its own, shared by
//! orders (where an order was placed) and members (where a customer first came from).
use serde::Serialize;

/// A sales channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Channel {
    /// Web store.
    Web,
    /// Point of sale.
    Pos,
    /// Social commerce.
    Social,
    /// Livestream.
    Livestream,
    /// Admin order entry.
    Admin,
}

impl Channel {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "WEB",
            Channel::Pos => "POS",
            Channel::Social => "SOCIAL",
            Channel::Livestream => "LIVESTREAM",
            Channel::Admin => "ADMIN",
        }
    }

    /// Every channel.
    pub const ALL: [Channel; 5] = [
        Channel::Web,
        Channel::Pos,
        Channel::Social,
        Channel::Livestream,
        Channel::Admin,
    ];

    /// The channel of a stored spelling ([`Channel::as_str`]); `None` for any other text.
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == stored)
    }
}
