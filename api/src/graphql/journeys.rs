//! Automated journeys: a trigger and a campaign-like message sent to each member once
//! per occurrence, with the campaign report.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::campaigns::{Campaign, CampaignInput, CampaignReport, report_of, wrap};
use crate::graphql::connection::{PageInfo, decode, edges};
use crate::graphql::cost;
use crate::graphql::scalars::Int32;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::campaigns;
use loyalty_domain::ids::parse_id;
use loyalty_domain::journeys::{self, JourneySpec};
use loyalty_domain::paging::page_size;
use uuid::Uuid;

/// What starts a journey's message.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "loyalty_domain::journeys::Trigger")]
pub enum JourneyTrigger {
    /// `days` (default 0) before the member's birthday, from the shop's midnight; once a
    /// year (29 February counts as 28 February in other years).
    Birthday,
    /// `days` (default 7) before a lot of points expires; once per lot, with
    /// `{{ expiring_points }}` and `{{ expiring_date }}` (its last day, shop time).
    PointsExpiring,
    /// The member moved to a higher tier; once per move.
    TierUp,
    /// The member moved to a lower tier (a refund, a new cycle); once per move.
    TierDown,
    /// `days` (required) after the member's last purchase without another (win-back);
    /// once per lapse.
    NoPurchaseForDays,
    /// The member's first order; once.
    FirstOrder,
    /// The customer registered as a member; once.
    Registered,
}

/// Whether a journey queues messages.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "loyalty_domain::journeys::JourneyStatus")]
pub enum JourneyStatus {
    /// Occurrences are messaged as they come.
    Active,
    /// Nothing is queued or sent; occurrences while paused are not caught up.
    Paused,
}

/// A journey as written: a trigger and the message (as a campaign's: name, audience,
/// exactly one of `zns`, `email` and `sms`, offer, attribution window). The templates
/// may also use `expiring_points` and `expiring_date` (POINTS_EXPIRING; 0 and empty
/// elsewhere).
#[derive(InputObject)]
pub struct JourneyInput {
    /// What starts a message.
    trigger: JourneyTrigger,
    /// The trigger's N days: BIRTHDAY (0 to 365, default 0), POINTS_EXPIRING (1 to 365,
    /// default 7), NO_PURCHASE_FOR_DAYS (1 to 365, required); the others take none.
    days: Option<i64>,
    /// The message and who gets it.
    #[graphql(flatten)]
    message: CampaignInput,
}

/// An automated journey.
pub struct Journey {
    shop_id: Uuid,
    journey: journeys::Journey,
}

#[Object]
impl Journey {
    async fn id(&self) -> ID {
        ID(self.journey.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.journey.name
    }
    async fn trigger(&self) -> JourneyTrigger {
        self.journey.trigger.into()
    }
    /// The trigger's N days, for those that take it.
    async fn days(&self) -> Option<Int32> {
        self.journey.days.map(Into::into)
    }
    async fn status(&self) -> JourneyStatus {
        self.journey.status.into()
    }
    /// Occurrences up to this instant have been queued.
    async fn scanned_until(&self) -> DateTime<Utc> {
        self.journey.scanned_until
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.journey.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.journey.updated_at
    }
    /// The campaign its messages go out through: the message, its status (SENDING while
    /// messages wait, COMPLETED between occurrences, PAUSED, OUT_OF_BALANCE with the
    /// reason), and its deliveries, one per member and occurrence.
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        Ok(
            campaigns::service::get(&domain(ctx).db, self.shop_id, self.journey.campaign_id)
                .await
                .gql()?
                .map(|c| wrap(self.shop_id, c)),
        )
    }
    /// The campaign report over every occurrence so far: reached, sent, failed by
    /// reason, cost and attributed orders.
    #[graphql(complexity = "cost::PER_ITEM_QUERY")]
    async fn report(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CampaignReport>> {
        let Some(c) =
            campaigns::service::get(&domain(ctx).db, self.shop_id, self.journey.campaign_id)
                .await
                .gql()?
        else {
            return Ok(None);
        };
        Ok(Some(report_of(ctx, self.shop_id, &c).await?))
    }
}

/// An edge of [`JourneyConnection`].
#[derive(SimpleObject)]
pub struct JourneyEdge {
    cursor: String,
    node: Journey,
}

/// A page of journeys, newest first.
#[derive(SimpleObject)]
pub struct JourneyConnection {
    edges: Vec<JourneyEdge>,
    page_info: PageInfo,
}

fn id_of(id: &ID) -> async_graphql::Result<Uuid> {
    parse_id("id", id).gql()
}

/// Journey queries.
#[derive(Default)]
pub struct JourneyQuery;

#[Object]
impl JourneyQuery {
    /// One journey.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn journey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Journey>> {
        let shop_id = principal(ctx)?.shop_id;
        let Ok(id) = parse_id("id", &id) else {
            return Ok(None);
        };
        Ok(journeys::service::get(&domain(ctx).db, shop_id, id)
            .await
            .gql()?
            .map(|journey| Journey { shop_id, journey }))
    }

    /// The shop's journeys, newest first.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "cost::paged(first, child_complexity)"
    )]
    async fn journeys(
        &self,
        ctx: &Context<'_>,
        first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<JourneyConnection> {
        let shop_id = principal(ctx)?.shop_id;
        let limit = page_size(first).gql()?;
        let after = decode::<Uuid>(after.as_deref())?;
        let page = journeys::service::list(&domain(ctx).db, shop_id, after, limit)
            .await
            .gql()?;
        let (edges, page_info) = edges(page, |cursor, journey| JourneyEdge {
            cursor,
            node: Journey { shop_id, journey },
        });
        Ok(JourneyConnection { edges, page_info })
    }
}

/// Journey mutations (ADMIN).
#[derive(Default)]
pub struct JourneyMutation;

#[Object]
impl JourneyMutation {
    /// Creates an ACTIVE journey: occurrences from now on are messaged, each member once
    /// per occurrence, by the scheduler that runs with the jobs.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_journey(
        &self,
        ctx: &Context<'_>,
        input: JourneyInput,
    ) -> async_graphql::Result<Journey> {
        let shop_id = principal(ctx)?.shop_id;
        let spec = JourneySpec {
            trigger: input.trigger.into(),
            days: input.days,
            campaign: input.message.into_spec().gql()?,
        };
        let journey = journeys::service::create(domain(ctx), shop_id, spec)
            .await
            .gql()?;
        Ok(Journey { shop_id, journey })
    }

    /// Pauses a journey: nothing more is queued, and its queued messages wait.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn pause_journey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Journey> {
        let shop_id = principal(ctx)?.shop_id;
        let journey = journeys::service::pause(domain(ctx), shop_id, id_of(&id)?)
            .await
            .gql()?;
        Ok(Journey { shop_id, journey })
    }

    /// Resumes a paused journey: occurrences from now on are messaged (not those that
    /// came while it was paused), and its queued messages go out.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn resume_journey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Journey> {
        let shop_id = principal(ctx)?.shop_id;
        let journey = journeys::service::resume(domain(ctx), shop_id, id_of(&id)?)
            .await
            .gql()?;
        Ok(Journey { shop_id, journey })
    }
}
