//! What one message costs the shop, per channel.
use super::ChannelKind;

/// Price per billable unit in whole VND, per channel (from configuration): one ZNS
/// message, one e-mail, one SMS segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prices {
    by_channel: [i64; ChannelKind::ALL.len()],
}

impl Default for Prices {
    /// Each channel's own default price.
    fn default() -> Self {
        let mut by_channel = [0; ChannelKind::ALL.len()];
        for k in ChannelKind::ALL {
            by_channel[*k as usize] = k.spec().default_price();
        }
        Self { by_channel }
    }
}

impl Prices {
    /// The price of one billable unit on `kind`.
    pub fn of(&self, kind: ChannelKind) -> i64 {
        self.by_channel[kind as usize]
    }

    /// These prices with `kind` at `price` (negative reads as 0).
    pub fn with(mut self, kind: ChannelKind, price: i64) -> Self {
        self.by_channel[kind as usize] = price.max(0);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_from_each_channel_and_can_be_set() {
        let p = Prices::default();
        for k in ChannelKind::ALL {
            assert_eq!(p.of(*k), k.spec().default_price());
        }
        let p = p.with(ChannelKind::Sms, 450).with(ChannelKind::Email, -3);
        assert_eq!(p.of(ChannelKind::Sms), 450);
        assert_eq!(p.of(ChannelKind::Email), 0);
        assert_eq!(p.of(ChannelKind::Zns), 300);
    }
}
