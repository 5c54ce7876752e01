//! Offers, vouchers, rewards and the rule kinds an offer can combine.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::{Code, Gql};
use crate::graphql::connection::{PageInfo, decode, edges};
use crate::graphql::cost;
use crate::graphql::enums::{DiscountKind, FixedPer, OfferTargetKind};
use crate::graphql::scalars::{Dec, Int32};
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::paging::page_size;
use loyalty_domain::{offers, rewards, vouchers};
use uuid::Uuid;

/// An extra rule by kind (see `ruleKinds`), for rules beyond the fields above.
#[derive(InputObject)]
pub struct RuleInput {
    /// A registered kind.
    pub kind: String,
    /// Its arguments as a JSON object; decimals as strings.
    pub args: Option<Json<serde_json::Map<String, serde_json::Value>>>,
}

/// An offer as the merchant defines it.
#[derive(InputObject)]
pub struct OfferInput {
    pub name: String,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub discount_kind: DiscountKind,
    /// Percent (0-100) or VND.
    pub value: Dec,
    /// FIXED only; default ORDER.
    pub fixed_per: Option<FixedPer>,
    pub target_kind: OfferTargetKind,
    /// The product or group ids.
    pub target_ids: Option<Vec<ID>>,
    pub min_quantity: Option<i64>,
    pub min_value: Option<Dec>,
    /// null: unlimited.
    pub valid_days: Option<i64>,
    /// Default true.
    pub applies_to_discounted: Option<bool>,
    /// Further rules by kind.
    pub rules: Option<Vec<RuleInput>>,
}

impl From<OfferInput> for offers::OfferSpec {
    fn from(i: OfferInput) -> Self {
        Self {
            name: i.name,
            description: i.description,
            image_url: i.image_url,
            discount_kind: match i.discount_kind {
                DiscountKind::Percent => offers::DiscountKind::Percent,
                DiscountKind::Fixed => offers::DiscountKind::Fixed,
            },
            value: i.value.0,
            fixed_per: i.fixed_per.map(|f| match f {
                FixedPer::Order => offers::FixedPer::Order,
                FixedPer::Item => offers::FixedPer::Item,
            }),
            target_kind: match i.target_kind {
                OfferTargetKind::Order => offers::TargetKind::Order,
                OfferTargetKind::Product => offers::TargetKind::Product,
                OfferTargetKind::Group => offers::TargetKind::Group,
            },
            target_ids: i
                .target_ids
                .unwrap_or_default()
                .into_iter()
                .map(|id| id.0)
                .collect(),
            min_quantity: i.min_quantity,
            min_value: i.min_value.map(|d| d.0),
            valid_days: i.valid_days,
            applies_to_discounted: i.applies_to_discounted,
            extra_rules: i
                .rules
                .unwrap_or_default()
                .into_iter()
                .map(|r| offers::RuleConfig {
                    kind: r.kind,
                    args: r.args.map(|a| a.0).unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// Vouchers issued and used, revenue of the orders that used them, discount given.
#[derive(SimpleObject)]
pub struct OfferReport {
    pub issued: Int32,
    pub used: Int32,
    /// Paid total of the orders that used the offer's vouchers.
    pub revenue: Dec,
    pub discount_given: Dec,
}

/// An offer.
#[derive(Clone)]
pub struct Offer {
    pub(crate) shop_id: Uuid,
    pub(crate) offer: offers::Offer,
}

#[Object]
impl Offer {
    async fn id(&self) -> ID {
        ID(self.offer.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.offer.name
    }
    async fn description(&self) -> Option<&str> {
        self.offer.description.as_deref()
    }
    async fn image_url(&self) -> Option<&str> {
        self.offer.image_url.as_deref()
    }
    async fn discount_kind(&self) -> DiscountKind {
        match self.offer.discount_kind {
            offers::DiscountKind::Percent => DiscountKind::Percent,
            offers::DiscountKind::Fixed => DiscountKind::Fixed,
        }
    }
    async fn value(&self) -> Dec {
        self.offer.value.into()
    }
    /// Days a voucher lives after issue; null: unlimited.
    async fn valid_days(&self) -> Option<Int32> {
        self.offer.valid_days.map(Int32::from)
    }
    /// Not archived.
    async fn active(&self) -> bool {
        self.offer.is_active()
    }
    /// The pricing as stored: target and rules `{kind, args}`.
    async fn config(&self) -> Json<serde_json::Value> {
        Json(serde_json::to_value(&self.offer.config).unwrap_or_default())
    }
    /// Vouchers issued and used, revenue and discount given.
    #[graphql(complexity = "cost::PER_ITEM_QUERY")]
    async fn report(&self, ctx: &Context<'_>) -> async_graphql::Result<OfferReport> {
        let _turn = cost::turn(ctx).await;
        let r = offers::report(&domain(ctx).db, self.shop_id, self.offer.id)
            .await
            .gql()?;
        Ok(OfferReport {
            issued: r.issued.into(),
            used: r.used.into(),
            revenue: r.revenue.into(),
            discount_given: r.discount_given.into(),
        })
    }
}

/// Whether a voucher is usable now.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum VoucherStatus {
    Active,
    Used,
    Expired,
}

/// A voucher issued from an offer.
pub struct Voucher {
    pub(crate) shop_id: Uuid,
    pub(crate) voucher: vouchers::Voucher,
}

#[Object]
impl Voucher {
    async fn code(&self) -> &str {
        &self.voucher.code
    }
    async fn offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Offer> {
        let offer = ctx
            .data_unchecked::<Loaders>()
            .offers()
            .load_one((self.shop_id, self.voucher.offer_id))
            .await
            .map_err(unshare)
            .gql()?
            .ok_or_else(|| Code::Internal.error("voucher without offer"))?;
        Ok(Offer {
            shop_id: self.shop_id,
            offer,
        })
    }
    async fn issued_at(&self) -> DateTime<Utc> {
        self.voucher.issued_at
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.voucher.expires_at
    }
    async fn used_at(&self) -> Option<DateTime<Utc>> {
        self.voucher.used_at
    }
    async fn status(&self, ctx: &Context<'_>) -> VoucherStatus {
        match self.voucher.status(domain(ctx).clock.now()) {
            vouchers::VoucherStatus::Active => VoucherStatus::Active,
            vouchers::VoucherStatus::Used => VoucherStatus::Used,
            vouchers::VoucherStatus::Expired => VoucherStatus::Expired,
        }
    }
}

/// An edge of [`OfferConnection`].
#[derive(SimpleObject)]
pub struct OfferEdge {
    cursor: String,
    node: Offer,
}

/// A page of offers, newest first.
#[derive(SimpleObject)]
pub struct OfferConnection {
    edges: Vec<OfferEdge>,
    page_info: PageInfo,
}

/// An argument of a rule kind.
#[derive(SimpleObject)]
pub struct RuleArg {
    name: String,
    /// DECIMAL, INTEGER or BOOLEAN.
    r#type: String,
    required: bool,
    description: String,
}

/// A rule kind offers can combine.
#[derive(SimpleObject)]
pub struct RuleKindInfo {
    kind: String,
    description: String,
    args: Vec<RuleArg>,
}

/// A reward in the catalog.
#[derive(SimpleObject)]
pub struct Reward {
    id: ID,
    name: String,
    points_cost: Int32,
    offer_id: ID,
}

impl From<rewards::Reward> for Reward {
    fn from(r: rewards::Reward) -> Self {
        Self {
            id: ID(r.id.to_string()),
            name: r.name,
            points_cost: r.points_cost.into(),
            offer_id: ID(r.offer_id.to_string()),
        }
    }
}

/// A reward to add.
#[derive(InputObject)]
pub struct RewardInput {
    name: String,
    points_cost: i64,
    offer_id: ID,
}

/// Offer queries.
#[derive(Default)]
pub struct OfferQuery;

#[Object]
impl OfferQuery {
    /// One offer of the caller's shop.
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn offer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Offer>> {
        let shop_id = principal(ctx)?.shop_id;
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        Ok(offers::get(&domain(ctx).db, shop_id, id)
            .await
            .gql()?
            .map(|offer| Offer { shop_id, offer }))
    }

    /// The shop's offers, newest first.
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "cost::paged(first, child_complexity)"
    )]
    async fn offers(
        &self,
        ctx: &Context<'_>,
        first: Option<i64>,
        after: Option<String>,
        include_archived: Option<bool>,
    ) -> async_graphql::Result<OfferConnection> {
        let shop_id = principal(ctx)?.shop_id;
        let limit = page_size(first).gql()?;
        let after = decode::<Uuid>(after.as_deref())?;
        let page = offers::list(
            &domain(ctx).db,
            shop_id,
            include_archived.unwrap_or(false),
            after,
            limit,
        )
        .await
        .gql()?;
        let (edges, page_info) = edges(page, |cursor, offer| OfferEdge {
            cursor,
            node: Offer { shop_id, offer },
        });
        Ok(OfferConnection { edges, page_info })
    }

    /// The rule kinds offers can combine, with their arguments.
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn rule_kinds(&self) -> Vec<RuleKindInfo> {
        offers::default_rules()
            .kinds()
            .iter()
            .map(|k| RuleKindInfo {
                kind: k.kind.to_owned(),
                description: k.description.to_owned(),
                args: k
                    .args
                    .iter()
                    .map(|a| RuleArg {
                        name: a.name.to_owned(),
                        r#type: format!("{:?}", a.ty).to_uppercase(),
                        required: a.required,
                        description: a.description.to_owned(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The reward catalog.
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "cost::UNPAGED_LIST * child_complexity"
    )]
    async fn rewards(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Reward>> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(rewards::list(&domain(ctx).db, shop_id)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// Offer mutations.
#[derive(Default)]
pub struct OfferMutation;

#[Object]
impl OfferMutation {
    /// Creates an offer; every rule checks its own arguments.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_offer(
        &self,
        ctx: &Context<'_>,
        input: OfferInput,
    ) -> async_graphql::Result<Offer> {
        let shop_id = principal(ctx)?.shop_id;
        let offer = offers::create(domain(ctx), shop_id, input.into())
            .await
            .gql()?;
        Ok(Offer { shop_id, offer })
    }

    /// Replaces an offer's definition.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_offer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: OfferInput,
    ) -> async_graphql::Result<Offer> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let offer = offers::update(domain(ctx), shop_id, id, input.into())
            .await
            .gql()?;
        Ok(Offer { shop_id, offer })
    }

    /// Archives an offer: its vouchers stop working.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn archive_offer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Offer> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let offer = offers::archive(domain(ctx), shop_id, id).await.gql()?;
        Ok(Offer { shop_id, offer })
    }

    /// Issues one voucher of the offer to each member.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn issue_vouchers(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        member_ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Voucher>> {
        let shop_id = principal(ctx)?.shop_id;
        let offer_id = parse_id("offerId", &offer_id).gql()?;
        let members = member_ids
            .iter()
            .map(|m| parse_id("memberIds", m))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        Ok(vouchers::issue(domain(ctx), shop_id, offer_id, &members)
            .await
            .gql()?
            .into_iter()
            .map(|voucher| Voucher { shop_id, voucher })
            .collect())
    }

    /// Adds a reward to the catalog.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_reward(
        &self,
        ctx: &Context<'_>,
        input: RewardInput,
    ) -> async_graphql::Result<Reward> {
        let shop_id = principal(ctx)?.shop_id;
        let offer_id = parse_id("offerId", &input.offer_id).gql()?;
        Ok(rewards::create(
            domain(ctx),
            shop_id,
            &input.name,
            input.points_cost,
            offer_id,
        )
        .await
        .gql()?
        .into())
    }

    /// Spends a member's points on a reward and issues its voucher, once per key.
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
