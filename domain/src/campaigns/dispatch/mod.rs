//! The delivery workers. The queue is the `campaign_deliveries` table itself rather than
//! a job library's own table: the job and its record are one row, so claiming a
//! recipient, holding its price and recording its outcome are single transactions on
//! our own data, and the queue shards by shop like every other table.
//!
//! A round: start campaigns whose time has come, resume those whose quota renewed,
//! then for each sending campaign open its shop's sender on the channel (the shop's own
//! account, or the operator's default; none pauses the campaign with the reason), claim a
//! batch of due deliveries (consent checked again, lease, hold, voucher),
//! fill each in and true its hold up to what it costs, send them concurrently, and record each outcome; finally complete campaigns with
//! nothing left. Any number of workers may run rounds against one database: claims are
//! guarded updates, and a lease that runs out (a worker died) lets another take over,
//! resending under the same tracking id.

pub mod claim;
pub mod config;
pub mod lifecycle;
pub mod opted_out;
pub mod outcome;
pub mod send;
pub mod true_up;

pub use config::DispatchConfig;

use crate::campaigns::CampaignStatus;
use crate::messaging::channel::{Opened, Sender};
use crate::messaging::{ChannelKind, Channels};
use crate::{Ctx, Result};
use loyalty_entities::campaign;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::time::Duration;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Campaigns that started sending.
    pub started: u64,
    /// Deliveries claimed.
    pub claimed: u64,
    /// Messages the provider accepted.
    pub sent: u64,
    /// Attempts that will be retried.
    pub retried: u64,
    /// Deliveries that failed for good.
    pub failed: u64,
    /// Campaigns completed.
    pub completed: u64,
    /// Deliveries of sending campaigns still queued or in flight after the round.
    pub queue_depth: u64,
}

impl RoundReport {
    fn add(&mut self, other: RoundReport) {
        self.started += other.started;
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retried += other.retried;
        self.failed += other.failed;
        self.completed += other.completed;
    }
}

/// Sends campaigns' messages.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    ctx: Ctx,
    channels: Channels,
    config: DispatchConfig,
}

impl Dispatcher {
    /// A dispatcher over `ctx` with these channels and settings.
    pub fn new(ctx: Ctx, channels: Channels, config: DispatchConfig) -> Self {
        Self {
            ctx,
            channels,
            config,
        }
    }

    /// One round over every shop.
    pub async fn round(&self) -> Result<RoundReport> {
        let mut report = RoundReport {
            started: lifecycle::start_due(&self.ctx).await?,
            ..RoundReport::default()
        };
        lifecycle::resume_after_quota(&self.ctx).await?;
        let sending: Vec<campaign::Model> = campaign::Entity::find()
            .filter(campaign::Column::Status.eq(CampaignStatus::Sending.as_str()))
            .order_by_asc(campaign::Column::UpdatedAt)
            .limit(200)
            .all(&self.ctx.db)
            .await?;
        for row in &sending {
            report.add(self.campaign_round(row).await?);
        }
        (report.completed, report.queue_depth) =
            lifecycle::complete_finished(&self.ctx, &sending).await?;
        Ok(report)
    }

    /// The shop's sender on the campaign's channel; without one the campaign pauses
    /// with the reason (no account, a refused token refresh) and `None` is returned.
    async fn sender(&self, row: &campaign::Model) -> Result<Option<Arc<dyn Sender>>> {
        let kind = ChannelKind::parse(&row.channel)?;
        let opened = match self.channels.get(kind) {
            Some(channel) => channel.open(&self.ctx, row.shop_id).await?,
            None => Opened::Unavailable(format!(
                "this server has no {} transport configured",
                kind.as_str()
            )),
        };
        match opened {
            Opened::Ready(sender) => Ok(Some(sender)),
            Opened::Unavailable(reason) => {
                let now = self.ctx.clock.now();
                claim::stop(&self.ctx.db, row, CampaignStatus::Paused, reason, None, now).await?;
                Ok(None)
            }
        }
    }

    async fn campaign_round(&self, row: &campaign::Model) -> Result<RoundReport> {
        let Some(sender) = self.sender(row).await? else {
            return Ok(RoundReport::default());
        };
        let claimed = claim::claim(&self.ctx, &self.config, row).await?;
        let mut report = RoundReport {
            claimed: claimed.len() as u64,
            ..RoundReport::default()
        };
        if claimed.is_empty() {
            return Ok(report);
        }
        let results = send::send_all(&self.ctx, sender, &self.config, row, claimed).await?;
        for (delivery, result) in results {
            match outcome::record(&self.ctx, &self.config, row, &delivery, result).await? {
                outcome::Recorded::Sent => report.sent += 1,
                outcome::Recorded::Retry => report.retried += 1,
                outcome::Recorded::Failed => report.failed += 1,
                outcome::Recorded::Nothing => {}
            }
        }
        Ok(report)
    }

    /// Runs rounds until the process ends: straight away while there is work, every
    /// `idle` otherwise; `observe` sees each round (metrics). A failed round is logged
    /// and the next one tries again.
    pub async fn run(self, idle: Duration, observe: impl Fn(&RoundReport) + Send) {
        loop {
            let busy = match self.round().await {
                Ok(r) => {
                    if r.claimed > 0 || r.started > 0 || r.completed > 0 {
                        tracing::info!(report = ?r, "campaign round");
                    }
                    observe(&r);
                    r.claimed > 0 || r.started > 0
                }
                Err(e) => {
                    tracing::error!(error = %e, "campaign round failed");
                    false
                }
            };
            if !busy {
                tokio::time::sleep(idle).await;
            }
        }
    }
}
