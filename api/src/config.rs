//! Configuration from flags and environment variables, with documented defaults.
use clap::Args;
use std::time::Duration;

/// Where the database is; shared by every command that touches it.
#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://loyalty.db?mode=rwc"
    )]
    pub database_url: String,
    /// Largest number of pooled connections (PostgreSQL; SQLite uses one writer).
    #[arg(long, env = "LOYALTY_DB_MAX_CONNECTIONS", default_value_t = 20)]
    pub db_max_connections: u32,
}

/// Settings of `loyalty serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "LOYALTY_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Token that may call `createShop`; unset disables shop creation over HTTP.
    #[arg(long, env = "LOYALTY_OPERATOR_TOKEN", hide_env_values = true)]
    pub operator_token: Option<String>,
    /// Seconds between background job runs (expiry, cycle roll); 0 disables them here,
    /// for replicas that leave jobs to a dedicated worker (`loyalty jobs run-once`).
    #[arg(long, env = "LOYALTY_JOBS_INTERVAL_SECS", default_value_t = 300)]
    pub jobs_interval_secs: u64,
    #[command(flatten)]
    pub limits: Limits,
}

/// Protective limits on every request.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Largest request body in bytes.
    #[arg(long, env = "LOYALTY_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,
    /// Seconds before a request is abandoned with 408.
    #[arg(long, env = "LOYALTY_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Deepest query nesting accepted.
    #[arg(long, env = "LOYALTY_MAX_QUERY_DEPTH", default_value_t = 12)]
    pub max_query_depth: usize,
    /// Largest query complexity accepted (lists count `first` times their fields).
    #[arg(long, env = "LOYALTY_MAX_QUERY_COMPLEXITY", default_value_t = 20_000)]
    pub max_query_complexity: usize,
}

impl Limits {
    /// The request timeout as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1_048_576,
            request_timeout_secs: 30,
            max_query_depth: 12,
            max_query_complexity: 20_000,
        }
    }
}
