//! The delivery worker's settings.
use crate::webhooks::UrlRules;
use chrono::Duration;

/// How deliveries are claimed, posted and retried.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Most deliveries one shop gets per round, so one busy shop cannot hold the worker.
    pub batch: u64,
    /// Posts in flight at once per worker.
    pub concurrency: usize,
    /// How long a claim is the worker's own; after it another worker may resend.
    pub lease: Duration,
    /// Wait after the first failed attempt; doubles each time.
    pub backoff_base: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// How long an endpoint may fail every attempt before it is disabled.
    pub disable_after: Duration,
    /// How long a receiver may take to answer.
    pub timeout: std::time::Duration,
    /// Where posts may go.
    pub urls: UrlRules,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            batch: 500,
            concurrency: 64,
            lease: Duration::seconds(60),
            backoff_base: Duration::seconds(5),
            backoff_max: Duration::hours(1),
            disable_after: Duration::hours(24),
            timeout: std::time::Duration::from_secs(10),
            urls: UrlRules::default(),
        }
    }
}

impl WebhookConfig {
    /// The wait before the attempt after `attempts` failed ones.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
        let wait = self
            .backoff_base
            .checked_mul(2i32.saturating_pow(doublings))
            .unwrap_or(self.backoff_max);
        wait.min(self.backoff_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let c = WebhookConfig::default();
        assert_eq!(c.backoff(1), Duration::seconds(5));
        assert_eq!(c.backoff(2), Duration::seconds(10));
        assert_eq!(c.backoff(5), Duration::seconds(80));
        assert_eq!(c.backoff(40), Duration::hours(1));
    }
}
