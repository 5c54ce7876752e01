//! What one message costs the shop, per channel.
use super::ChannelKind;

/// Price per sent message in whole VND, per channel (from configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prices {
    /// One ZNS message.
    pub zns: i64,
    /// One e-mail.
    pub email: i64,
}

impl Default for Prices {
    fn default() -> Self {
        Self {
            zns: 300,
            email: 20,
        }
    }
}

impl Prices {
    /// The price of one message on `kind`.
    pub fn of(&self, kind: ChannelKind) -> i64 {
        match kind {
            ChannelKind::Zns => self.zns,
            ChannelKind::Email => self.email,
        }
    }
}
