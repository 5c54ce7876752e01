//! Offers, issuing their vouchers, and the rule kinds an offer can combine.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::connection::{PageInfo, decode, edges};
use crate::graphql::cost;
use crate::graphql::enums::{DiscountKind, FixedPer, OfferDelivery, OfferTargetKind};
use crate::graphql::scalars::{Dec, Int32};
use crate::graphql::vouchers::Voucher;
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::paging::page_size;
use loyalty_domain::{offers, vouchers};
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
    /// Percent (0-100) or VND; 0 when `rules` holds the discount (`buy_x_get_y`,
    /// `tiered`), or when the offer only earns points (`bonus_points`,
    /// `points_multiplier`).
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
    /// How it reaches a checkout; default VOUCHER.
    pub delivery: Option<OfferDelivery>,
    /// The code customers type, for PUBLIC_CODE only: 3 to 32 letters and digits once
    /// spaces and dashes are dropped, unique in the shop, matched like voucher codes.
    pub code: Option<String>,
    /// Lower applies first (0 to 1000); default 0.
    pub priority: Option<i64>,
    /// Does not combine with other offers at checkout; default false.
    pub exclusive: Option<bool>,
    /// Total uses and/or total discount the offer may give; default unlimited.
    pub budget: Option<BudgetInput>,
    /// Uses per member (per phone for unregistered customers of a public code); default
    /// unlimited.
    pub per_customer_limit: Option<i64>,
    /// Most VND a PERCENT offer takes off one order; default no cap.
    pub max_discount: Option<Dec>,
}

/// An offer's budget: either or both limits.
#[derive(InputObject, SimpleObject, Clone)]
#[graphql(input_name = "BudgetInput", name = "Budget")]
pub struct BudgetInput {
    /// Total uses.
    pub uses: Option<i64>,
    /// Total discount, VND.
    pub discount: Option<Dec>,
}

impl TryFrom<OfferInput> for offers::OfferSpec {
    type Error = loyalty_domain::DomainError;

    fn try_from(i: OfferInput) -> Result<Self, Self::Error> {
        let vnd = |field: &str, d: Option<Dec>| {
            d.map(|d| loyalty_domain::money::vnd_from_decimal(field, d.0))
                .transpose()
        };
        let budget = i.budget.clone();
        let limits = offers::OfferLimits {
            budget_uses: budget.as_ref().and_then(|b| b.uses),
            budget_discount: vnd("budget.discount", budget.and_then(|b| b.discount))?,
            per_customer: i.per_customer_limit,
            max_discount: vnd("maxDiscount", i.max_discount)?,
        };
        let reach = offers::Reach {
            delivery: i.delivery.map_or_else(Default::default, Into::into),
            code: i.code.clone(),
            priority: i.priority.unwrap_or(0),
            exclusive: i.exclusive.unwrap_or(false),
        };
        Ok(Self {
            reach,
            limits,
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
        })
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
    /// Square image: an uploaded one (`uploadOfferImage`) served by this API, or a URL
    /// the merchant gave.
    async fn image_url(&self, ctx: &Context<'_>) -> Option<String> {
        match ctx.data_opt::<crate::offer_images::PublicBase>() {
            Some(base) => base.resolve(self.offer.image_url.as_deref()),
            None => self.offer.image_url.clone(),
        }
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
    /// How it reaches a checkout.
    async fn delivery(&self) -> OfferDelivery {
        self.offer.reach.delivery.into()
    }
    /// The public code, for PUBLIC_CODE offers.
    async fn code(&self) -> Option<&str> {
        self.offer.reach.code.as_deref()
    }
    /// Lower applies first.
    async fn priority(&self) -> Int32 {
        self.offer.reach.priority.into()
    }
    /// Does not combine with other offers.
    async fn exclusive(&self) -> bool {
        self.offer.reach.exclusive
    }
    /// Total uses and/or discount it may give; null: unlimited.
    async fn budget(&self) -> Option<BudgetInput> {
        let l = self.offer.limits;
        (l.budget_uses.is_some() || l.budget_discount.is_some()).then(|| BudgetInput {
            uses: l.budget_uses,
            discount: l.budget_discount.map(Dec::from),
        })
    }
    /// Uses per customer; null: unlimited.
    async fn per_customer_limit(&self) -> Option<Int32> {
        self.offer.limits.per_customer.map(Int32::from)
    }
    /// Most VND a percent offer takes off one order; null: no cap.
    async fn max_discount(&self) -> Option<Dec> {
        self.offer.limits.max_discount.map(Dec::from)
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
    /// DECIMAL, INTEGER, BOOLEAN, IDS (a list of ids or names: products, groups,
    /// tiers, segments, channels, weekdays), DATE (YYYY-MM-DD), TIME (HH:MM) or STEPS (a
    /// list of thresholds, shaped as the description says).
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

/// Offer queries.
#[derive(Default)]
pub struct OfferQuery;

#[Object]
impl OfferQuery {
    /// One offer of the caller's shop.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
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
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
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
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
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
}

/// Offer mutations.
#[derive(Default)]
pub struct OfferMutation;

#[Object]
impl OfferMutation {
    /// Creates an offer; every rule checks its own arguments.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_offer(
        &self,
        ctx: &Context<'_>,
        input: OfferInput,
    ) -> async_graphql::Result<Offer> {
        let shop_id = principal(ctx)?.shop_id;
        let spec = input.try_into().gql()?;
        let offer = offers::create(domain(ctx), shop_id, spec).await.gql()?;
        Ok(Offer { shop_id, offer })
    }

    /// Replaces an offer's definition.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_offer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: OfferInput,
    ) -> async_graphql::Result<Offer> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let spec = input.try_into().gql()?;
        let offer = offers::update(domain(ctx), shop_id, id, spec).await.gql()?;
        Ok(Offer { shop_id, offer })
    }

    /// Archives an offer: its vouchers stop working.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn archive_offer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Offer> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let offer = offers::archive(domain(ctx), shop_id, id).await.gql()?;
        Ok(Offer { shop_id, offer })
    }

    /// Issues one voucher of the offer to each member.
    ///
    /// Requires: ADMIN.
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
}
