//! What the engine knows of a channel besides its transport: where a member's message
//! goes, why a member without such an address is skipped, what a message costs by
//! default, and what the content written for it looks like. Each channel module
//! implements these traits for its own types; [`super::registry`] lists the channels.
use super::template::Vars;
use crate::Result;
use loyalty_entities::member;
use sea_orm::sea_query::{Condition, SimpleExpr};

/// A channel's facts, one implementation per channel module.
pub trait ChannelSpec: Send + Sync {
    /// The channel's stored and API spelling (`ZNS`); never changes once stored.
    fn name(&self) -> &'static str;

    /// Where a message to `member` goes on this channel, in the form the provider takes,
    /// if the member has such an address.
    fn address(&self, member: &member::Model) -> Option<String>;

    /// [`ChannelSpec::address`] as SQL on `members`. Counts (a campaign's estimate) use
    /// it; it must hold for exactly the members `address` gives an address for.
    fn has_address(&self) -> Condition;

    /// [`ChannelSpec::address`] as an SQL expression on `members`, for the members
    /// `has_address` holds for: freezing a campaign writes every recipient's address in
    /// one statement with it. A test holds it to `address` for every channel.
    fn address_sql(&self) -> SimpleExpr;

    /// Why a member without an address is skipped (`NO_PHONE`).
    fn skip_reason(&self) -> &'static str;

    /// VND per billable unit (a message, or an SMS segment) when the operator sets none.
    fn default_price(&self) -> i64;

    /// Whether each message carries the recipient's one-click unsubscribe link.
    fn carries_unsubscribe_link(&self) -> bool {
        false
    }

    /// What a member unsubscribing from this channel stops receiving, in Vietnamese and
    /// in English, for the confirmation page.
    fn described(&self) -> (&'static str, &'static str);
}

/// A message as the merchant wrote it for one channel.
pub trait ChannelContent {
    /// The message filled in for one recipient.
    type Rendered: Billable;

    /// Refuses empty, oversized or unrenderable content (rendering it with
    /// [`Vars::sample`]). CPU-bound: async callers use `Content::check`.
    fn validate(&self) -> Result<()>;

    /// Fills in `vars`; the error names what failed. CPU-bound like the template engine.
    fn render(&self, vars: &Vars) -> Result<Self::Rendered, String>;
}

/// A filled-in message's billable units.
pub trait Billable {
    /// How many units the provider bills for this message (its price is this times the
    /// channel's price): one, unless the channel prices by length.
    fn segments(&self) -> i64 {
        1
    }
}
