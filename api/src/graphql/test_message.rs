//! `sendTestMessage`: one campaign message to an address the merchant gives, before
//! the campaign goes to everyone.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::campaigns::MessageChannel;
use crate::graphql::cost;
use crate::graphql::scalars::Dec;
use async_graphql::{Context, ID, Object, SimpleObject};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::messaging::Prices;
use loyalty_domain::messaging::test_message::{self, TestMessage};

/// A test message the provider accepted.
#[derive(SimpleObject)]
pub struct TestMessageResult {
    /// The campaign's channel.
    channel: MessageChannel,
    /// Where it went, in the channel's form (`84912345678` for a phone).
    to: String,
    /// The provider's message id.
    provider_message_id: Option<String>,
    /// What it cost, VND (the channel's price per segment).
    cost: Dec,
    /// The messaging balance after it, VND.
    balance_left: Dec,
}

/// Sending test messages.
#[derive(Default)]
pub struct TestMessageMutation;

#[Object]
impl TestMessageMutation {
    /// Sends campaign `campaignId`'s message once to `to` (a phone for ZNS, an e-mail
    /// address for EMAIL; at most 254 characters), filled in for member `memberId` or
    /// with sample fields, through the shop's own sender on the channel, and charges it
    /// to the messaging balance like any campaign message. No voucher is issued (the
    /// sample code shows). The provider's refusal: `CONFLICT`, `reason: PROVIDER_ERROR`,
    /// `providerCode` (e.g. ZNS `-108`), `retryable`, and nothing charged; a shop that
    /// cannot send on the channel or pay for it: `CONFLICT` with the reason.
    ///
    /// Requires: ADMIN.
    #[graphql(
        guard = "RoleGuard(Role::Admin)",
        complexity = "cost::PER_ITEM_QUERY + child_complexity"
    )]
    async fn send_test_message(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        to: String,
        member_id: Option<ID>,
    ) -> async_graphql::Result<TestMessageResult> {
        let shop_id = principal(ctx)?.shop_id;
        let input = TestMessage {
            campaign_id: parse_id("campaignId", &campaign_id).gql()?,
            to,
            member_id: member_id
                .map(|m| parse_id("memberId", &m))
                .transpose()
                .gql()?,
        };
        let prices = ctx.data_opt::<Prices>().copied().unwrap_or_default();
        let sent = test_message::send(domain(ctx), prices, shop_id, input)
            .await
            .gql()?;
        Ok(TestMessageResult {
            channel: sent.channel.into(),
            to: sent.to,
            provider_message_id: sent.provider_id,
            cost: sent.cost.into(),
            balance_left: sent.balance_left.into(),
        })
    }
}
