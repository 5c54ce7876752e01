//! The checkout's context for eligibility rules ([`Shopper`]), built the same way for a
//! quote, an order and a voucher check: the tier whose benefits apply, the channel, the
//! sale's time in the shop's zone, first order, birthday month and the memberships of
//! the segments the checkout's offers name.
use crate::program::Policy;
use crate::tiers::Tier;
use crate::vouchers::lookup::VoucherOffer;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use loyalty_rules::{SegmentMembership, Shopper, TierRef};

/// What is known of the customer; a customer the shop has never seen is a guest on a
/// first order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Customer {
    /// A registered member.
    pub registered: bool,
    /// Orders recorded so far.
    pub total_orders: i64,
    /// Birthday on file.
    pub birthday: Option<NaiveDate>,
}

/// The checkout's shopper: `customer` with `tier`'s benefits, buying on `channel` (its
/// stored spelling, `POS`…) at `at`, in the segments `segments` says.
pub fn shopper(
    policy: &Policy,
    customer: Customer,
    tier: Option<&Tier>,
    channel: Option<&str>,
    at: DateTime<Utc>,
    segments: Vec<SegmentMembership>,
) -> Shopper {
    let tier_ref = |t: &Tier| TierRef {
        id: t.id.to_string(),
        name: t.name.clone(),
    };
    Shopper {
        tier: tier.map(tier_ref),
        tiers: policy.tiers.iter().map(tier_ref).collect(),
        registered: customer.registered,
        channel: channel.map(str::to_owned),
        local_time: Some(at.with_timezone(&policy.shop.time_zone).naive_local()),
        first_order: customer.total_orders == 0,
        birth_month: customer.birthday.map(|b| b.month()),
        segments,
    }
}

/// The segments the presented vouchers' offers name, each once: only these are
/// evaluated for the checkout.
pub fn segments_named(vouchers: &[VoucherOffer]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for id in vouchers.iter().flat_map(|v| v.offer.segments()) {
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use loyalty_rules::eligibility::channel_in::CHANNELS;

    #[test]
    fn the_rules_know_every_channel_by_its_stored_name() {
        use crate::orders::input::Channel;
        let stored: Vec<&str> = CHANNELS
            .iter()
            .map(|c| Channel::parse(c).map_or("?", Channel::as_str))
            .collect();
        assert_eq!(stored, CHANNELS);
        for c in [
            Channel::Web,
            Channel::Pos,
            Channel::Social,
            Channel::Livestream,
            Channel::Admin,
        ] {
            assert!(CHANNELS.contains(&c.as_str()), "{c:?}");
        }
    }
}
