//! The workers' settings.
use crate::messaging::Prices;
use chrono::Duration;

/// How deliveries are paced, retried and charged.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// Price per message per channel.
    pub prices: Prices,
    /// Messages a shop may send per second, across every worker.
    pub rate_per_second: i64,
    /// Most deliveries one claim takes.
    pub batch: u64,
    /// Messages in flight at once per worker.
    pub concurrency: usize,
    /// How long a claim is a worker's own; after it, another worker may resend.
    pub lease: Duration,
    /// Attempts before a retryable failure becomes final.
    pub max_attempts: i64,
    /// Wait after the first failed attempt; doubles each time.
    pub backoff_base: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// The server's public base URL, under which e-mails link to `/unsubscribe/{token}`.
    pub public_url: String,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            prices: Prices::default(),
            rate_per_second: 50,
            batch: 100,
            concurrency: 16,
            lease: Duration::seconds(60),
            max_attempts: 5,
            backoff_base: Duration::seconds(30),
            backoff_max: Duration::minutes(30),
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}
