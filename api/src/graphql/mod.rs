//! The GraphQL schema: one module per area, merged into one query and one mutation root.

pub mod audit;
pub mod audit_scope;
pub mod bulk;
pub mod campaigns;
pub mod channel_accounts;
pub mod checkout;
pub mod connection;
pub mod consent;
pub mod cost;
pub mod enums;
pub mod journeys;
pub mod json_input;
pub mod ledger;
pub mod member_scope;
pub mod member_sessions;
pub mod members;
pub mod offer_images;
pub mod offers;
pub mod order_history;
pub mod orders;
pub mod privacy;
pub mod program;
pub mod program_changes;
pub mod rewards;
pub mod scalars;
pub mod segments;
pub mod shop;
pub mod test_message;
pub mod tiers;
pub mod vouchers;
pub mod wallet;
pub mod webhooks;
pub mod widget;
pub mod zns_templates;

use crate::config::Limits;
use async_graphql::{EmptySubscription, MergedObject, Schema};
use loyalty_domain::Ctx;
use loyalty_domain::messaging::Prices;

/// The query root.
#[derive(MergedObject, Default)]
pub struct Query(
    shop::ShopQuery,
    program::ProgramQuery,
    tiers::TierQuery,
    members::queries::MemberQuery,
    order_history::OrderHistoryQuery,
    offers::OfferQuery,
    rewards::RewardQuery,
    vouchers::VoucherQuery,
    segments::SegmentQuery,
    campaigns::CampaignQuery,
    journeys::JourneyQuery,
    channel_accounts::ChannelAccountQuery,
    zns_templates::ZnsTemplateQuery,
    bulk::BulkQuery,
    wallet::WalletQuery,
    widget::WidgetQuery,
    webhooks::WebhookQuery,
    audit::AuditQuery,
    privacy::PrivacyQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct Mutation(
    shop::ShopMutation,
    program::ProgramMutation,
    tiers::TierMutation,
    members::mutations::MemberMutation,
    orders::OrderMutation,
    ledger::LedgerMutation,
    offers::OfferMutation,
    offer_images::OfferImageMutation,
    rewards::RewardMutation,
    checkout::CheckoutMutation,
    segments::SegmentMutation,
    campaigns::CampaignMutation,
    journeys::JourneyMutation,
    consent::ConsentMutation,
    channel_accounts::ChannelAccountMutation,
    test_message::TestMessageMutation,
    bulk::BulkMutation,
    member_sessions::MemberSessionMutation,
    wallet::WalletMutation,
    widget::WidgetMutation,
    webhooks::WebhookMutation,
    privacy::PrivacyMutation,
);

/// The schema type served at `/graphql`.
pub type LoyaltySchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema with its limits; `ctx` is attached for the resolvers.
pub fn build(ctx: Option<Ctx>, limits: &Limits) -> LoyaltySchema {
    build_with(ctx, limits, Prices::default())
}

/// Builds the schema with its limits and the message prices it shows.
pub fn build_with(ctx: Option<Ctx>, limits: &Limits, prices: Prices) -> LoyaltySchema {
    builder(ctx, limits, prices).finish()
}

/// The schema that runs the requests of member tokens: the same schema, refusing every
/// field outside the member's wallet (see [`member_scope`]).
pub fn build_for_members(ctx: Option<Ctx>, limits: &Limits, prices: Prices) -> LoyaltySchema {
    builder(ctx, limits, prices)
        .extension(member_scope::MemberScope)
        .finish()
}

fn builder(
    ctx: Option<Ctx>,
    limits: &Limits,
    prices: Prices,
) -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .data(prices)
        .limit_depth(limits.max_query_depth)
        .limit_complexity(limits.max_query_complexity)
        .limit_recursive_depth(32)
        .limit_directives(16);
    if let Some(ctx) = ctx {
        builder = builder.data(ctx);
    }
    builder
}

/// The schema that runs the mutation requests of shop keys and the operator: the same
/// schema, opening an audit scope around each mutation (see [`audit_scope`]).
pub fn build_for_mutations(ctx: Option<Ctx>, limits: &Limits, prices: Prices) -> LoyaltySchema {
    builder(ctx, limits, prices)
        .extension(audit_scope::AuditScope)
        .finish()
}

/// How deep an introspection-only request may nest. The standard introspection query
/// (graphql-js's and graphql-core's, sent by GraphiQL, codegen tools and Schemathesis)
/// nests 15 deep, beyond the default limit for data queries; introspection fields lead
/// only to introspection types, so this reaches no data.
pub const INTROSPECTION_DEPTH: usize = 20;

/// The schema that answers introspection-only requests (see [`INTROSPECTION_DEPTH`]);
/// every other limit is the same.
pub fn build_for_introspection(ctx: Option<Ctx>, limits: &Limits) -> LoyaltySchema {
    let limits = Limits {
        max_query_depth: limits.max_query_depth.max(INTROSPECTION_DEPTH),
        ..limits.clone()
    };
    build(ctx, &limits)
}

/// The SDL of the schema, as committed in `api/schema.graphql`.
pub fn sdl() -> String {
    build(None, &Limits::default()).sdl()
}
