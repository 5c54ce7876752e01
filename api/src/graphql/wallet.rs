//! The member's own wallet, for a member token (issue 27): `me`, `myRewards` and
//! `redeemMyReward`. Everything here is read for the token's member; no argument names
//! a member, so a token cannot reach another member whatever it sends.
use crate::auth::{MemberGuard, domain, member};
use crate::error::{Code, Gql};
use crate::graphql::cost;
use crate::graphql::ledger::{LedgerConnection, PointBalance};
use crate::graphql::members::object::{Member, policy};
use crate::graphql::offers::Offer;
use crate::graphql::order_history::list::OrderConnection;
use crate::graphql::scalars::{Dec, Int32};
use crate::graphql::tiers::Tier;
use crate::graphql::vouchers::{Voucher, VoucherConnection, VoucherStatus};
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, Object, SimpleObject};
use loyalty_domain::ids::parse_id;
use loyalty_domain::program::Policy;
use loyalty_domain::sessions::MemberPrincipal;
use loyalty_domain::{DomainError, ledger, members, rewards, tiers};
use std::sync::Arc;

/// Longest idempotency key of `redeemMyReward`: the member's id is put before it, within
/// the 200 characters every key may have.
const MAX_KEY_CHARS: usize = 100;

/// The signed-in member's wallet: who they are, their tier and the way to the next, their
/// points, vouchers, ledger and orders.
pub struct MemberWallet(Member);

/// How far the member is from the next tier.
#[derive(SimpleObject)]
pub struct TierProgress {
    /// Paid spend counted toward the tier in the current cycle, VND.
    ranking_spend: Dec,
    /// What is left to spend in the cycle to reach `nextTier`, VND (0 when the member
    /// keeps a tier above what this cycle's spend reaches); null at the top tier.
    spend_to_next_tier: Option<Dec>,
}

#[Object]
impl MemberWallet {
    async fn id(&self) -> ID {
        ID(self.0.0.id.to_string())
    }
    /// The shop's id for the customer.
    async fn external_id(&self) -> &str {
        &self.0.0.external_id
    }
    async fn name(&self) -> Option<&str> {
        self.0.0.name.as_deref()
    }
    /// A registered member (under MEMBERS_ONLY, only they earn and spend points).
    async fn registered(&self) -> bool {
        self.0.0.registered_at.is_some()
    }
    /// The member's tier; null while the program is a draft.
    async fn tier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Tier>> {
        self.0.tier(ctx).await
    }
    /// The tier above the member's, by rank; null at the top or without a tier.
    async fn next_tier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Tier>> {
        let shop_id = self.0.0.shop_id;
        Ok(policy(ctx, shop_id)
            .await?
            .and_then(|p| next_tier(&p, self.0.0.tier_id).cloned())
            .map(|tier| Tier { shop_id, tier }))
    }
    /// The spend of this cycle and what is left to reach the next tier.
    async fn progress(&self, ctx: &Context<'_>) -> async_graphql::Result<TierProgress> {
        let m = &self.0.0;
        let left = policy(ctx, m.shop_id).await?.and_then(|p| {
            next_tier(&p, m.tier_id).map(|next| {
                let threshold =
                    tiers::effective_threshold(next.min_spend, p.program.spend_per_ranking_point);
                (threshold - m.ranking_spend).max(0)
            })
        });
        Ok(TierProgress {
            ranking_spend: m.ranking_spend.into(),
            spend_to_next_tier: left.map(Dec::from),
        })
    }
    /// Point balances, as of now.
    async fn points(&self, ctx: &Context<'_>) -> async_graphql::Result<PointBalance> {
        self.0.points(ctx).await
    }
    /// The member's vouchers, newest first, optionally of one status.
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    async fn vouchers(
        &self,
        ctx: &Context<'_>,
        status: Option<VoucherStatus>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<VoucherConnection> {
        self.0.vouchers(ctx, status, first, after).await
    }
    /// Ledger entries, newest first.
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    async fn ledger(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<LedgerConnection> {
        self.0.ledger(ctx, first, after).await
    }
    /// Orders, newest first.
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<OrderConnection> {
        self.0.orders(ctx, first, after).await
    }
}

/// The tier ranked just above `current` (the tiers are kept by rank).
fn next_tier(policy: &Policy, current: Option<uuid::Uuid>) -> Option<&tiers::Tier> {
    let rank = policy.tiers.iter().find(|t| Some(t.id) == current)?.rank;
    policy
        .tiers
        .iter()
        .filter(|t| t.rank > rank)
        .min_by_key(|t| t.rank)
}

/// A reward of the catalog as the member sees it.
pub struct MyReward {
    shop_id: uuid::Uuid,
    reward: rewards::Reward,
    available: i64,
    may_redeem: bool,
}

#[Object]
impl MyReward {
    async fn id(&self) -> ID {
        ID(self.reward.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.reward.name
    }
    async fn points_cost(&self) -> Int32 {
        self.reward.points_cost.into()
    }
    /// The offer of the voucher it gives.
    async fn offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Offer> {
        crate::graphql::rewards::offer_of(ctx, self.shop_id, &self.reward).await
    }
    /// Redemptions left; null: unlimited.
    async fn stock(&self) -> Option<Int32> {
        self.reward.stock.map(Int32::from)
    }
    /// Whether `redeemMyReward` would take it now: the available points cover it and
    /// the program lets the member spend points (active; registered under MEMBERS_ONLY).
    async fn affordable(&self) -> bool {
        self.may_redeem && self.available >= self.reward.points_cost
    }
    /// Points the member still lacks for it (0 when the balance covers it).
    async fn points_missing(&self) -> Int32 {
        (self.reward.points_cost - self.available).max(0).into()
    }
}

/// The member's own queries.
#[derive(Default)]
pub struct WalletQuery;

#[Object]
impl WalletQuery {
    /// The member of the calling member token. Member tokens only (`FORBIDDEN` for shop
    /// keys, which read members with `member(id)`).
    ///
    /// Requires: a member token (`createMemberSession`).
    #[graphql(guard = "MemberGuard")]
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<MemberWallet> {
        let who = member(ctx)?;
        Ok(MemberWallet(Member(load_member(ctx, &who).await?)))
    }

    /// The reward catalog open to the member: active rewards whose offer runs, kept for
    /// no tier or for the member's, with stock left; cheapest first. Member tokens only.
    ///
    /// Requires: a member token (`createMemberSession`).
    #[graphql(
        guard = "MemberGuard",
        complexity = "cost::UNPAGED_LIST * child_complexity"
    )]
    async fn my_rewards(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MyReward>> {
        let who = member(ctx)?;
        let me = load_member(ctx, &who).await?;
        let d = domain(ctx);
        let policy: Option<Arc<Policy>> = policy(ctx, who.shop_id).await?;
        let may_redeem = policy.as_ref().is_some_and(|p| {
            p.require_active().is_ok()
                && p.require_admitted(me.registered_at.is_some(), "memberId")
                    .is_ok()
        });
        let available =
            ledger::balance::spendable(&d.db, who.shop_id, who.member_id, d.clock.now())
                .await
                .gql()?;
        let open: Vec<rewards::Reward> = rewards::list(&d.db, who.shop_id, false)
            .await
            .gql()?
            .into_iter()
            .filter(|r| r.active && r.open_to(me.tier_id) && r.stock != Some(0))
            .collect();
        let offers = ctx
            .data_unchecked::<Loaders>()
            .offers()
            .load_many(open.iter().map(|r| (who.shop_id, r.offer_id)))
            .await
            .map_err(unshare)
            .gql()?;
        Ok(open
            .into_iter()
            .filter(|r| {
                offers
                    .get(&(who.shop_id, r.offer_id))
                    .is_some_and(|o| o.is_active())
            })
            .map(|reward| MyReward {
                shop_id: who.shop_id,
                reward,
                available,
                may_redeem,
            })
            .collect())
    }
}

async fn load_member(
    ctx: &Context<'_>,
    who: &MemberPrincipal,
) -> async_graphql::Result<members::Member> {
    members::by_id(&domain(ctx).db, who.shop_id, who.member_id)
        .await
        .gql()?
        .ok_or_else(|| Code::Unauthenticated.error("the session's member no longer exists"))
}

/// The member's own mutations.
#[derive(Default)]
pub struct WalletMutation;

#[Object]
impl WalletMutation {
    /// Spends the member's points on a reward of `myRewards` and issues its voucher, once
    /// per `idempotencyKey` (1 to 100 characters, the member's own: another member's
    /// equal key is another redemption). The rules of `redeemReward` apply: `CONFLICT`
    /// when the reward is archived, out of stock or kept for other tiers,
    /// `INSUFFICIENT_POINTS` when the balance does not cover it; nothing is written then.
    /// Member tokens only.
    ///
    /// Requires: a member token (`createMemberSession`).
    #[graphql(guard = "MemberGuard")]
    async fn redeem_my_reward(
        &self,
        ctx: &Context<'_>,
        reward_id: ID,
        idempotency_key: String,
    ) -> async_graphql::Result<Voucher> {
        let who = member(ctx)?;
        let reward_id = parse_id("rewardId", &reward_id).gql()?;
        let key = idempotency_key.trim();
        if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
            return Err(DomainError::invalid(
                "idempotencyKey",
                format!("an idempotency key has 1 to {MAX_KEY_CHARS} characters"),
            ))
            .gql();
        }
        let scoped = format!("member:{}:{key}", who.member_id);
        let voucher = rewards::redeem(domain(ctx), who.shop_id, who.member_id, reward_id, &scoped)
            .await
            .gql()?;
        Ok(Voucher {
            shop_id: who.shop_id,
            voucher,
        })
    }
}
