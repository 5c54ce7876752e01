//! Messaging consent: `setMessagingConsent` and the opt-outs `Member.optOuts` shows.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::campaigns::MessageChannel;
use crate::graphql::members::object::Member;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::messaging::ChannelKind;
use loyalty_domain::messaging::consent::{self, OptOut, OptOutSource};
use loyalty_domain::{DomainError, members};

/// How an opt-out was recorded.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ConsentSource {
    /// `setMessagingConsent`.
    Api,
    /// The unsubscribe link of an e-mail.
    Link,
}

/// A channel the member asked not to be messaged on.
#[derive(SimpleObject)]
pub struct MessagingOptOut {
    channel: MessageChannel,
    source: ConsentSource,
    /// When the member opted out.
    at: DateTime<Utc>,
}

impl MessagingOptOut {
    /// The GraphQL view of a stored opt-out; `None` for a channel this server does not
    /// know (stored by a newer version).
    pub fn from_domain(o: &OptOut) -> Option<Self> {
        let channel = ChannelKind::parse(&o.channel).ok()?;
        Some(Self {
            channel: channel.into(),
            source: match o.source {
                OptOutSource::Api => ConsentSource::Api,
                OptOutSource::Link => ConsentSource::Link,
            },
            at: o.at,
        })
    }
}

/// Consent mutations.
#[derive(Default)]
pub struct ConsentMutation;

#[Object]
impl ConsentMutation {
    /// Records whether the member wants messages on `channel` (`allowed: false` opts out,
    /// `true` opts back in). Campaigns skip an opted-out member with `OPTED_OUT`, also
    /// one frozen into a campaign before opting out. Idempotent: a second opt-out keeps
    /// the first one's time. CHANNEL or ADMIN: the sales channels record what the
    /// customer chose at the till or in the shop's app, as they push the customer.
    ///
    /// Requires: CHANNEL or ADMIN.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn set_messaging_consent(
        &self,
        ctx: &Context<'_>,
        member_id: ID,
        channel: MessageChannel,
        allowed: bool,
    ) -> async_graphql::Result<Member> {
        let shop_id = principal(ctx)?.shop_id;
        let member_id = parse_id("memberId", &member_id).gql()?;
        let d = domain(ctx);
        consent::set(
            d,
            shop_id,
            member_id,
            channel.into(),
            allowed,
            OptOutSource::Api,
        )
        .await
        .gql()?;
        let m = members::by_id(&d.db, shop_id, member_id)
            .await
            .gql()?
            .ok_or_else(|| DomainError::NotFound("member not found".into()))
            .gql()?;
        Ok(Member(m))
    }
}
