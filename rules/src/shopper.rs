//! Who is checking out, where and when: what eligibility rules read. The domain builds
//! it once per checkout (the member's tier, the channel, the time in the shop's zone,
//! the segments the offers ask about), so rules stay pure and a rule never queries.
use chrono::NaiveDateTime;

/// A tier as eligibility rules name it: by id, worded by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierRef {
    /// Its id, as offers store it.
    pub id: String,
    /// Its name, for reasons a cashier reads.
    pub name: String,
}

/// Whether the customer belongs to one saved segment, evaluated once per checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentMembership {
    /// The segment's id.
    pub id: String,
    /// Its name, for reasons a cashier reads.
    pub name: String,
    /// The customer matches its filter now.
    pub member: bool,
}

/// The checkout's customer and circumstances. Unknown facts are `None` (or `false`), and
/// a rule that needs an unknown fact does not admit the offer: pricing in the dark must
/// never give a targeted promotion away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shopper {
    /// The tier whose benefits apply, if any.
    pub tier: Option<TierRef>,
    /// Every tier of the shop, so a reason can name the tiers an offer is for.
    pub tiers: Vec<TierRef>,
    /// A registered member (else a guest or an unregistered customer).
    pub registered: bool,
    /// The sales channel as stored (`POS`, `WEB`, …).
    pub channel: Option<String>,
    /// The time of the sale in the shop's time zone.
    pub local_time: Option<NaiveDateTime>,
    /// The customer has no order yet.
    pub first_order: bool,
    /// The month of the customer's birthday (1-12).
    pub birth_month: Option<u32>,
    /// The segments the checkout's offers ask about (only those).
    pub segments: Vec<SegmentMembership>,
}

/// A shopper of whom nothing is known: what a checkout without context prices for.
pub static UNKNOWN: Shopper = Shopper::unknown();

impl Shopper {
    /// A shopper of whom nothing is known.
    pub const fn unknown() -> Self {
        Self {
            tier: None,
            tiers: Vec::new(),
            registered: false,
            channel: None,
            local_time: None,
            first_order: false,
            birth_month: None,
            segments: Vec::new(),
        }
    }

    /// The name of the tier `id_or_name` names, as a cashier reads it.
    pub fn tier_name<'a>(&'a self, id_or_name: &'a str) -> &'a str {
        self.tiers
            .iter()
            .find(|t| t.id == id_or_name || t.name.eq_ignore_ascii_case(id_or_name))
            .map_or(id_or_name, |t| t.name.as_str())
    }
}

impl Default for Shopper {
    fn default() -> Self {
        Self::unknown()
    }
}
