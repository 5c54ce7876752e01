//! The reward catalog: rewards, their stock and tiers, and redeeming one for a voucher.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::{Code, Gql};
use crate::graphql::offers::Offer;
use crate::graphql::scalars::Int32;
use crate::graphql::tiers::Tier;
use crate::graphql::vouchers::Voucher;
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::rewards;
use uuid::Uuid;

/// A reward in the catalog: points for a voucher of an offer.
pub struct Reward {
    shop_id: Uuid,
    reward: rewards::Reward,
}

/// The offer whose vouchers `reward` gives, through the request's offer loader: the
/// catalog's `Reward.offer` and the member's `MyReward.offer` alike.
pub(crate) async fn offer_of(
    ctx: &Context<'_>,
    shop_id: Uuid,
    reward: &rewards::Reward,
) -> async_graphql::Result<Offer> {
    let offer = ctx
        .data_unchecked::<Loaders>()
        .offers()
        .load_one((shop_id, reward.offer_id))
        .await
        .map_err(unshare)
        .gql()?
        .ok_or_else(|| Code::Internal.error("reward without offer"))?;
    Ok(Offer { shop_id, offer })
}

/// A reward in the catalog: points for a voucher of an offer, for some tiers or all,
/// while its stock lasts.
#[Object]
impl Reward {
    async fn id(&self) -> ID {
        ID(self.reward.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.reward.name
    }
    async fn points_cost(&self) -> Int32 {
        self.reward.points_cost.into()
    }
    async fn offer_id(&self) -> ID {
        ID(self.reward.offer_id.to_string())
    }
    /// The offer of the vouchers it gives.
    async fn offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Offer> {
        offer_of(ctx, self.shop_id, &self.reward).await
    }
    /// Redemptions left; null: unlimited.
    async fn stock(&self) -> Option<Int32> {
        self.reward.stock.map(Int32::from)
    }
    /// The tiers whose members may redeem it; empty: every tier.
    async fn tier_ids(&self) -> Vec<ID> {
        self.reward
            .tier_ids
            .iter()
            .map(|id| ID(id.to_string()))
            .collect()
    }
    /// The tiers whose members may redeem it, by rank; empty: every tier.
    async fn tiers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Tier>> {
        if self.reward.tier_ids.is_empty() {
            return Ok(vec![]);
        }
        let shop_id = self.shop_id;
        let all = crate::graphql::members::object::policy(ctx, shop_id)
            .await?
            .map(|p| p.tiers.clone())
            .unwrap_or_default();
        Ok(all
            .into_iter()
            .filter(|t| self.reward.tier_ids.contains(&t.id))
            .map(|tier| Tier { shop_id, tier })
            .collect())
    }
    /// Archived: out of the catalog, cannot be redeemed.
    async fn archived(&self) -> bool {
        !self.reward.active
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.reward.created_at
    }
}

/// A reward as the merchant defines it.
#[derive(InputObject)]
pub struct RewardInput {
    /// 1 to 200 characters.
    name: String,
    /// 1 to 1,000,000,000.
    points_cost: i64,
    /// An active offer.
    offer_id: ID,
    /// Redemptions left, 0 to 1,000,000,000; null: unlimited.
    stock: Option<i64>,
    /// Tiers whose members may redeem it; null or empty: every tier.
    tier_ids: Option<Vec<ID>>,
}

impl RewardInput {
    fn into_spec(self) -> loyalty_domain::Result<rewards::RewardSpec> {
        Ok(rewards::RewardSpec {
            offer_id: parse_id("offerId", &self.offer_id)?,
            tier_ids: self
                .tier_ids
                .unwrap_or_default()
                .iter()
                .map(|id| parse_id("tierIds", id))
                .collect::<Result<_, _>>()?,
            name: self.name,
            points_cost: self.points_cost,
            stock: self.stock,
        })
    }
}

/// Reward queries.
#[derive(Default)]
pub struct RewardQuery;

#[Object]
impl RewardQuery {
    /// The reward catalog, cheapest first; archived rewards only with `includeArchived`.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "crate::graphql::cost::UNPAGED_LIST * child_complexity"
    )]
    async fn rewards(
        &self,
        ctx: &Context<'_>,
        include_archived: Option<bool>,
    ) -> async_graphql::Result<Vec<Reward>> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(
            rewards::list(&domain(ctx).db, shop_id, include_archived.unwrap_or(false))
                .await
                .gql()?
                .into_iter()
                .map(|reward| Reward { shop_id, reward })
                .collect(),
        )
    }
}

/// Reward mutations.
#[derive(Default)]
pub struct RewardMutation;

#[Object]
impl RewardMutation {
    /// Adds a reward to the catalog.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_reward(
        &self,
        ctx: &Context<'_>,
        input: RewardInput,
    ) -> async_graphql::Result<Reward> {
        let shop_id = principal(ctx)?.shop_id;
        let spec = input.into_spec().gql()?;
        let reward = rewards::create(domain(ctx), shop_id, spec).await.gql()?;
        Ok(Reward { shop_id, reward })
    }

    /// Replaces a reward's name, cost, offer, stock (what is left from now on) and tiers.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_reward(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: RewardInput,
    ) -> async_graphql::Result<Reward> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let spec = input.into_spec().gql()?;
        let reward = rewards::update(domain(ctx), shop_id, id, spec)
            .await
            .gql()?;
        Ok(Reward { shop_id, reward })
    }

    /// Archives a reward: it leaves `rewards` and redeeming it is a `CONFLICT`; vouchers
    /// bought with it keep working.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn archive_reward(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Reward> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let reward = rewards::archive(domain(ctx), shop_id, id).await.gql()?;
        Ok(Reward { shop_id, reward })
    }

    /// Spends a member's points on a reward and issues its voucher, once per key.
    /// `CONFLICT` when the reward is archived, out of stock, kept for tiers the member
    /// is not in, or its offer has ended; nothing is written then.
    ///
    /// Requires: CHANNEL or ADMIN.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn redeem_reward(
        &self,
        ctx: &Context<'_>,
        member_id: ID,
        reward_id: ID,
        idempotency_key: String,
    ) -> async_graphql::Result<Voucher> {
        let shop_id = principal(ctx)?.shop_id;
        let member_id = parse_id("memberId", &member_id).gql()?;
        let reward_id = parse_id("rewardId", &reward_id).gql()?;
        let voucher = rewards::redeem(domain(ctx), shop_id, member_id, reward_id, &idempotency_key)
            .await
            .gql()?;
        Ok(Voucher { shop_id, voucher })
    }
}
