//! What one message of a campaign costs: its content filled in with sample values (and
//! the shop's own name, known already), measured in the channel's billable units (an SMS's segments), times the channel's
//! price. The estimate shows it and the delivery workers hold it from the balance per
//! recipient, so what a campaign is estimated at is what it is charged.
use crate::messaging::template::{Vars, off_thread};
use crate::messaging::{Content, Prices};
use crate::{DomainError, Result};

/// A campaign's price per message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessagePrice {
    /// Billable units of one message (1, or an SMS's segments).
    pub segments: i64,
    /// VND per unit on the campaign's channel.
    pub per_segment: i64,
}

impl MessagePrice {
    /// VND per message.
    pub fn total(&self) -> i64 {
        self.segments.saturating_mul(self.per_segment)
    }
}

/// The price of one message of `content` from the shop named `shop` at `prices`
/// (renders on a render thread).
pub async fn message_price(content: &Content, shop: &str, prices: Prices) -> Result<MessagePrice> {
    let content = content.clone();
    let channel = content.channel();
    let vars = Vars {
        shop: shop.to_owned(),
        ..Vars::sample()
    };
    let segments = off_thread(move || content.render(&vars))
        .await?
        .map_err(|e| DomainError::Internal(format!("stored campaign content: {e}")))?
        .segments();
    Ok(MessagePrice {
        segments,
        per_segment: prices.of(channel),
    })
}
