//! The delivery worker: each round, shop by shop, claims the due deliveries of the
//! shop's active endpoints (at most `batch` per shop, so one shop's backlog cannot hold
//! up another's events), posts them all concurrently, and records the outcomes. Any
//! number of workers may run against one database (see [`claim`]); it runs inside
//! `loyalty serve` and in `loyalty jobs run-once`.

pub mod claim;
pub mod config;
pub mod outcome;
pub mod send;

pub use config::WebhookConfig;

use crate::events::outbox;
use crate::secrets::Purpose;
use crate::webhooks::signature::key_of;
use crate::{Ctx, Result};
use loyalty_entities::webhook_delivery;
use loyalty_entities::webhook_endpoint::{self, EndpointStatus};
use outcome::Counts;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use send::{Attempt, Message};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use uuid::Uuid;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookReport {
    /// Deliveries claimed.
    pub claimed: u64,
    /// Delivered.
    pub delivered: u64,
    /// To be tried again.
    pub retried: u64,
    /// Failed for good.
    pub failed: u64,
    /// Endpoints disabled for failing too long.
    pub disabled: u64,
}

impl WebhookReport {
    fn add(&mut self, c: Counts) {
        self.delivered += c.delivered;
        self.retried += c.retried;
        self.failed += c.failed;
        self.disabled += c.disabled;
    }
}

/// Posts shops' events to their endpoints.
#[derive(Debug, Clone)]
pub struct Deliverer {
    ctx: Ctx,
    config: WebhookConfig,
    client: reqwest::Client,
}

/// An endpoint's HMAC key, shared by the posts of a round.
type HmacKey = Arc<Vec<u8>>;

/// The deliveries of one shop claimed in a round, with what posting each needs.
type Claimed = (Uuid, Vec<(webhook_delivery::Model, Option<Message>)>);

impl Deliverer {
    /// A worker over `ctx` with `config`.
    pub fn new(ctx: Ctx, config: WebhookConfig) -> Result<Self> {
        let client = send::client(config.urls, config.timeout)?;
        Ok(Self {
            ctx,
            config,
            client,
        })
    }

    /// One round over every shop with an active endpoint.
    pub async fn round(&self) -> Result<WebhookReport> {
        let now = self.ctx.clock.now();
        let endpoints = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Status.eq(EndpointStatus::Active))
            .order_by_asc(webhook_endpoint::Column::ShopId)
            .limit(10_000)
            .all(&self.ctx.db)
            .await?;
        let mut by_shop: HashMap<Uuid, Vec<webhook_endpoint::Model>> = HashMap::new();
        for e in endpoints {
            by_shop.entry(e.shop_id).or_default().push(e);
        }
        let mut report = WebhookReport::default();
        let mut claimed: Vec<Claimed> = Vec::new();
        for (shop_id, endpoints) in by_shop {
            let ids: Vec<Uuid> = endpoints.iter().map(|e| e.id).collect();
            let rows = claim::claim(&self.ctx.db, &self.config, shop_id, &ids, now).await?;
            if rows.is_empty() {
                continue;
            }
            report.claimed += rows.len() as u64;
            claimed.push((shop_id, self.messages(shop_id, &endpoints, rows).await?));
        }
        let results = self.post_all(claimed).await;
        let now = self.ctx.clock.now();
        for (shop_id, shop_results) in results {
            let counts =
                outcome::record(&self.ctx.db, &self.config, shop_id, shop_results, now).await?;
            report.add(counts);
        }
        Ok(report)
    }

    /// What to post for each claimed delivery; `None` when it cannot be posted (its
    /// secret does not open with this server's key), which records as a failed attempt.
    async fn messages(
        &self,
        shop_id: Uuid,
        endpoints: &[webhook_endpoint::Model],
        rows: Vec<webhook_delivery::Model>,
    ) -> Result<Vec<(webhook_delivery::Model, Option<Message>)>> {
        let keys: HashMap<Uuid, (String, Option<HmacKey>)> = endpoints
            .iter()
            .map(|e| {
                let key = self
                    .ctx
                    .secrets
                    .open(shop_id, Purpose::WebhookSecret, &e.secret)
                    .and_then(|s| key_of(&s))
                    .ok()
                    .map(Arc::new);
                (e.id, (e.url.clone(), key))
            })
            .collect();
        let ids = rows.iter().map(|r| r.event_id).collect();
        let bodies = crate::webhooks::deliveries::payloads(&self.ctx, shop_id, ids).await?;
        Ok(rows
            .into_iter()
            .map(|d| {
                let msg = keys.get(&d.endpoint_id).and_then(|(url, key)| {
                    Some(Message {
                        url: url.clone(),
                        key: key.clone()?,
                        id: d.event_id.to_string(),
                        body: bodies.get(&d.event_id)?.clone(),
                    })
                });
                (d, msg)
            })
            .collect())
    }

    /// Posts every claimed delivery, `concurrency` at a time across shops.
    async fn post_all(
        &self,
        claimed: Vec<Claimed>,
    ) -> Vec<(Uuid, Vec<(webhook_delivery::Model, Attempt)>)> {
        let permits = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        let mut out: HashMap<Uuid, Vec<(webhook_delivery::Model, Attempt)>> = HashMap::new();
        for (shop_id, rows) in claimed {
            for (d, msg) in rows {
                let Some(msg) = msg else {
                    let why = "the endpoint's secret does not open with this server's LOYALTY_SECRET_KEY, or the event is gone";
                    out.entry(shop_id)
                        .or_default()
                        .push((d, Attempt::Failed(None, why.into())));
                    continue;
                };
                let (client, rules, permits) =
                    (self.client.clone(), self.config.urls, permits.clone());
                let timestamp = self.ctx.clock.now().timestamp();
                tasks.spawn(async move {
                    let _permit = permits.acquire_owned().await.ok();
                    let attempt = send::post(&client, &rules, &msg, timestamp).await;
                    (shop_id, d, attempt)
                });
            }
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((shop_id, d, attempt)) => out.entry(shop_id).or_default().push((d, attempt)),
                // A post that panicked keeps its lease; another round takes it over.
                Err(e) => tracing::error!(error = %e, "webhook post task failed"),
            }
        }
        out.into_iter().collect()
    }

    /// Runs rounds until one claims nothing or `max_rounds` ran (`loyalty jobs
    /// run-once`); returns what they did together.
    pub async fn drain(&self, max_rounds: u64) -> Result<WebhookReport> {
        let mut total = WebhookReport::default();
        for _ in 0..max_rounds {
            let r = self.round().await?;
            total.claimed += r.claimed;
            total.delivered += r.delivered;
            total.retried += r.retried;
            total.failed += r.failed;
            total.disabled += r.disabled;
            if r.claimed == 0 {
                break;
            }
        }
        Ok(total)
    }

    /// Runs rounds until the process ends: straight away while there is work, every
    /// `idle` otherwise. A failed round is logged and the next one tries again.
    pub async fn run(self, idle: Duration) {
        loop {
            let busy = match self.round().await {
                Ok(r) => {
                    if r.failed > 0 || r.disabled > 0 {
                        tracing::warn!(report = ?r, "webhook round");
                    }
                    r.claimed > 0
                }
                Err(e) => {
                    tracing::error!(error = %e, "webhook round failed");
                    false
                }
            };
            if !busy {
                tokio::time::sleep(idle).await;
            }
        }
    }
}

/// The retry window, re-exported for the API's documentation.
pub fn retry_window() -> chrono::Duration {
    outbox::retry_window()
}
