//! Webhook endpoints and their deliveries (issue 29). The signing secret is in the answer
//! of `createWebhookEndpoint` only; no field returns it afterwards. Every field reads
//! rows by the shop's key: an endpoint's `deliveries` is a page priced by `first`.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::connection::{PageInfo, decode, edges};
use crate::graphql::cost;
use crate::graphql::scalars::Int32;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::paging::page_size;
use loyalty_domain::webhooks::deliveries::{self, Delivery};
use loyalty_domain::webhooks::endpoints::{self, Endpoint, EndpointInput};
use loyalty_entities::webhook_delivery::WebhookDeliveryStatus as DomainStatus;
use loyalty_entities::webhook_endpoint::EndpointStatus;
use uuid::Uuid;

/// Whether an endpoint receives events.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "EndpointStatus")]
pub enum WebhookEndpointStatus {
    /// Receives the events it subscribes to.
    Active,
    /// Receives nothing (`disabledReason` says why); its waiting deliveries stay.
    Disabled,
}

/// Where a delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DomainStatus")]
pub enum WebhookDeliveryStatus {
    /// Waiting for its first attempt or a retry (`nextAttemptAt`).
    Pending,
    /// Being posted.
    Sending,
    /// The receiver answered 2xx.
    Delivered,
    /// Retried for 24 hours without success.
    Failed,
}

/// An endpoint to create.
#[derive(InputObject)]
pub struct WebhookEndpointInput {
    /// Where to post: `https://…` (at most 2048 characters); private, link-local and
    /// loopback addresses are refused.
    url: String,
    /// Event types to receive, e.g. `["order.recorded", "points.earned"]` (1 to 13).
    events: Vec<String>,
    /// A note for the merchant (at most 500 characters).
    description: Option<String>,
}

/// A shop's webhook endpoint, without its secret.
pub struct WebhookEndpoint {
    shop_id: Uuid,
    endpoint: Endpoint,
}

#[Object]
impl WebhookEndpoint {
    async fn id(&self) -> ID {
        ID(self.endpoint.id.to_string())
    }
    async fn url(&self) -> &str {
        &self.endpoint.url
    }
    async fn description(&self) -> &str {
        &self.endpoint.description
    }
    /// The event types it receives.
    async fn events(&self) -> Vec<String> {
        self.endpoint
            .events
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect()
    }
    async fn status(&self) -> WebhookEndpointStatus {
        self.endpoint.status.into()
    }
    /// Why it was disabled: by the merchant, or after every delivery failed for 24 hours.
    async fn disabled_reason(&self) -> Option<&str> {
        self.endpoint.disabled_reason.as_deref()
    }
    /// Since when every attempt has failed; none while deliveries succeed.
    async fn failing_since(&self) -> Option<DateTime<Utc>> {
        self.endpoint.failing_since
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.endpoint.created_at
    }
    /// Its deliveries, oldest first, optionally in one status.
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        status: Option<WebhookDeliveryStatus>,
        first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<WebhookDeliveryConnection> {
        let limit = page_size(first).gql()?;
        let after = decode::<Uuid>(after.as_deref())?;
        let page = deliveries::list(
            domain(ctx),
            self.shop_id,
            self.endpoint.id,
            status.map(Into::into),
            after,
            limit,
        )
        .await
        .gql()?;
        let (edges, page_info) = edges(page, |cursor, d| WebhookDeliveryEdge {
            cursor,
            node: WebhookDelivery(d),
        });
        Ok(WebhookDeliveryConnection { edges, page_info })
    }
}

/// The event a delivery carries.
#[derive(SimpleObject)]
pub struct WebhookEvent {
    /// The event's id: the `webhook-id` header, the same on every attempt.
    id: ID,
    /// Its type, e.g. `order.recorded`.
    r#type: String,
    /// The JSON body as posted.
    body: Option<String>,
}

/// One event to one endpoint.
pub struct WebhookDelivery(Delivery);

#[Object]
impl WebhookDelivery {
    async fn id(&self) -> ID {
        ID(self.0.row.id.to_string())
    }
    async fn event(&self) -> WebhookEvent {
        WebhookEvent {
            id: ID(self.0.row.event_id.to_string()),
            r#type: self.0.row.event_type.clone(),
            body: self.0.payload.clone(),
        }
    }
    async fn status(&self) -> WebhookDeliveryStatus {
        self.0.row.status.into()
    }
    /// Attempts made so far.
    async fn attempts(&self) -> Int32 {
        self.0.row.attempts.into()
    }
    /// The HTTP status of the last attempt, if the receiver answered.
    async fn last_status(&self) -> Option<Int32> {
        self.0.row.last_status.map(Into::into)
    }
    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.row.last_error.as_deref()
    }
    /// When the next attempt is due, while pending.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.row.status == DomainStatus::Pending).then_some(self.0.row.next_attempt_at)
    }
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.delivered_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }
}

/// An edge of [`WebhookDeliveryConnection`].
#[derive(SimpleObject)]
pub struct WebhookDeliveryEdge {
    cursor: String,
    node: WebhookDelivery,
}

/// A page of deliveries.
#[derive(SimpleObject)]
pub struct WebhookDeliveryConnection {
    edges: Vec<WebhookDeliveryEdge>,
    page_info: PageInfo,
}

/// A new endpoint and its signing secret.
#[derive(SimpleObject)]
pub struct CreatedWebhookEndpoint {
    endpoint: WebhookEndpoint,
    /// `whsec_…`: the key receivers verify `webhook-signature` with. Shown this once;
    /// lost, the endpoint is deleted and created again.
    secret: String,
}

/// Reading the shop's webhook endpoints (ADMIN: they hold partners' addresses).
#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The shop's webhook endpoints, oldest first (at most 20).
    ///
    /// Requires: ADMIN.
    #[graphql(
        guard = "RoleGuard(Role::Admin)",
        complexity = "cost::UNPAGED_LIST * child_complexity"
    )]
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<WebhookEndpoint>> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(endpoints::list(domain(ctx), shop_id)
            .await
            .gql()?
            .into_iter()
            .map(|endpoint| WebhookEndpoint { shop_id, endpoint })
            .collect())
    }

    /// One webhook endpoint of the shop.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let endpoint = endpoints::get(domain(ctx), shop_id, id).await.gql()?;
        Ok(WebhookEndpoint { shop_id, endpoint })
    }
}

/// Managing the shop's webhook endpoints (ADMIN).
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Creates an endpoint receiving `events`; answers its signing secret, once. Refused:
    /// a URL that is not https or points to a private, link-local or loopback address
    /// (`BAD_USER_INPUT` on `url`), an unknown event type (on `events`), a 21st endpoint
    /// (`LIMIT_EXCEEDED`), a server without `LOYALTY_SECRET_KEY` (`CONFLICT`, `reason:
    /// SERVER_NOT_CONFIGURED`).
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: WebhookEndpointInput,
    ) -> async_graphql::Result<CreatedWebhookEndpoint> {
        let shop_id = principal(ctx)?.shop_id;
        let input = EndpointInput {
            url: input.url,
            events: input.events,
            description: input.description,
        };
        let (endpoint, secret) = endpoints::create(domain(ctx), shop_id, input).await.gql()?;
        Ok(CreatedWebhookEndpoint {
            endpoint: WebhookEndpoint { shop_id, endpoint },
            secret: secret.expose().to_owned(),
        })
    }

    /// Stops an endpoint receiving events; its waiting deliveries are kept but not sent.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn disable_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let endpoint = endpoints::disable(domain(ctx), shop_id, id, "disabled by the shop")
            .await
            .gql()?;
        Ok(WebhookEndpoint { shop_id, endpoint })
    }

    /// Lets a disabled endpoint receive events again: its waiting deliveries go out now
    /// and are retried for another 24 hours.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn enable_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        let endpoint = endpoints::enable(domain(ctx), shop_id, id).await.gql()?;
        Ok(WebhookEndpoint { shop_id, endpoint })
    }

    /// Deletes an endpoint and its deliveries; answers its id.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ID> {
        let shop_id = principal(ctx)?.shop_id;
        let uuid = parse_id("id", &id).gql()?;
        endpoints::delete(domain(ctx), shop_id, uuid).await.gql()?;
        Ok(id)
    }

    /// Sends a delivery again as soon as possible (retried for another 24 hours if it
    /// fails), whatever became of it. Refused while it is being sent, or when its
    /// endpoint is disabled (`CONFLICT`).
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn replay_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookDelivery> {
        let shop_id = principal(ctx)?.shop_id;
        let id = parse_id("id", &id).gql()?;
        Ok(WebhookDelivery(
            deliveries::replay(domain(ctx), shop_id, id).await.gql()?,
        ))
    }
}
