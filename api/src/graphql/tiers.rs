//! Tiers: the ladder, its benefits, and member counts.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::scalars::{Dec, Int32};
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use loyalty_domain::access::Role;
use loyalty_domain::program::ladder;
use loyalty_domain::{ids::parse_id, tiers};
use uuid::Uuid;

/// A membership tier.
pub struct Tier {
    pub(crate) shop_id: Uuid,
    pub(crate) tier: tiers::Tier,
}

#[Object]
impl Tier {
    async fn id(&self) -> ID {
        ID(self.tier.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.tier.name
    }
    /// 1 for the initial tier, then by increasing threshold.
    async fn rank(&self) -> i32 {
        self.tier.rank
    }
    /// Paid spend in the cycle that reaches the tier, VND.
    async fn min_spend(&self) -> Dec {
        self.tier.min_spend.into()
    }
    /// The threshold in ranking points, derived from `minSpend`.
    async fn min_ranking_points(&self) -> Int32 {
        self.tier.min_ranking_points.into()
    }
    async fn discount_percent(&self) -> Dec {
        self.tier.discount_percent.into()
    }
    /// Largest tier discount per order, VND.
    async fn discount_cap(&self) -> Option<Dec> {
        self.tier.discount_cap.map(Dec::from)
    }
    async fn point_multiplier(&self) -> Dec {
        self.tier.point_multiplier.into()
    }
    /// Largest points payment per order, VND.
    async fn redeem_cap(&self) -> Option<Dec> {
        self.tier.redeem_cap.map(Dec::from)
    }
    async fn combines_with_promotions(&self) -> bool {
        self.tier.combines_with_promotions
    }
    /// The initial tier: threshold 0, cannot be deleted.
    async fn is_initial(&self) -> bool {
        self.tier.is_initial
    }
    /// Members currently in the tier.
    async fn member_count(&self, ctx: &Context<'_>) -> async_graphql::Result<Int32> {
        let counts = ctx
            .data_unchecked::<Loaders>()
            .tier_counts()
            .load_one(self.shop_id)
            .await
            .map_err(unshare)
            .gql()?;
        Ok(counts
            .and_then(|c| c.get(&self.tier.id).copied())
            .unwrap_or(0)
            .into())
    }
}

/// A tier as the merchant sets it. On update, omitted optional fields keep their value
/// and an explicit `null` cap removes the cap.
#[derive(InputObject)]
pub struct TierInput {
    name: String,
    /// Threshold in VND of paid spend in the cycle.
    min_spend: Dec,
    /// Default 0.
    discount_percent: Option<Dec>,
    discount_cap: MaybeUndefined<Dec>,
    /// Default 1.
    point_multiplier: Option<Dec>,
    /// Largest points payment per order, VND.
    redeem_cap: MaybeUndefined<Dec>,
    /// Default false.
    combines_with_promotions: Option<bool>,
}

fn cap(value: MaybeUndefined<Dec>) -> Option<Option<rust_decimal::Decimal>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.0)),
    }
}

impl From<TierInput> for tiers::TierInput {
    fn from(i: TierInput) -> Self {
        Self {
            name: i.name,
            min_spend: i.min_spend.0,
            discount_percent: i.discount_percent.map(|d| d.0),
            discount_cap: cap(i.discount_cap),
            point_multiplier: i.point_multiplier.map(|d| d.0),
            redeem_cap: cap(i.redeem_cap),
            combines_with_promotions: i.combines_with_promotions,
        }
    }
}

/// The shop's tiers by rank.
pub async fn tier_list(ctx: &Context<'_>, shop_id: Uuid) -> async_graphql::Result<Vec<Tier>> {
    Ok(ladder::list(&domain(ctx).db, shop_id)
        .await
        .gql()?
        .into_iter()
        .map(|tier| Tier { shop_id, tier })
        .collect())
}

/// Tier queries.
#[derive(Default)]
pub struct TierQuery;

#[Object]
impl TierQuery {
    /// The shop's tiers by rank.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn tiers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Tier>> {
        tier_list(ctx, principal(ctx)?.shop_id).await
    }
}

/// Tier mutations (ADMIN).
#[derive(Default)]
pub struct TierMutation;

#[Object]
impl TierMutation {
    /// Adds a tier.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_tier(
        &self,
        ctx: &Context<'_>,
        input: TierInput,
    ) -> async_graphql::Result<Tier> {
        let shop_id = principal(ctx)?.shop_id;
        let tier = ladder::create(domain(ctx), shop_id, input.into())
            .await
            .gql()?;
        Ok(Tier { shop_id, tier })
    }

    /// Changes a tier.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_tier(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: TierInput,
    ) -> async_graphql::Result<Tier> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let tier = ladder::update(domain(ctx), shop_id, id, input.into())
            .await
            .gql()?;
        Ok(Tier { shop_id, tier })
    }

    /// Deletes a tier without members (never the initial tier).
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn delete_tier(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        ladder::delete(domain(ctx), shop_id, id).await.gql()
    }
}
