//! Configuration from flags and environment variables, with documented defaults.
use clap::Args;
use loyalty_domain::campaigns::dispatch::DispatchConfig;
use loyalty_domain::context::CacheTimes;
use loyalty_domain::messaging::sms::account::{Credentials, check_brand_name};
use loyalty_domain::messaging::sms::gateway::SmsChannel;
use loyalty_domain::messaging::smtp::SmtpChannel;
use loyalty_domain::messaging::unsubscribe::UnsubscribeKeys;
use loyalty_domain::messaging::zns::ZnsChannel;
use loyalty_domain::messaging::zns::oauth::ZaloOAuth;
use loyalty_domain::messaging::zns::templates::ZnsTemplates;
use loyalty_domain::messaging::{ChannelKind, Channels, Prices};
use loyalty_domain::orders::BatchLimits;
use loyalty_domain::orders::DEFAULT_ORDER_BATCHES;
use loyalty_domain::secrets::{Secret, Secrets};
use std::sync::Arc;
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
    /// Milliseconds this process reads a shop's cached policy (program, tiers, time
    /// zone) without asking the database; writes always check its version, and the
    /// process that changes a policy forgets it at once.
    #[arg(long, env = "LOYALTY_POLICY_CACHE_MS", default_value_t = 1000)]
    pub policy_cache_ms: u64,
    /// Milliseconds an API key that authenticated is trusted without reading it again:
    /// a key revoked in the database stops working within this time.
    #[arg(long, env = "LOYALTY_KEY_CACHE_MS", default_value_t = 5000)]
    pub key_cache_ms: u64,
    /// Batches of orders that run at once on PostgreSQL, each read by one statement and
    /// written by another; orders arriving meanwhile wait and form the next batch.
    #[arg(long, env = "LOYALTY_ORDER_BATCH_RUNNERS", default_value_t = DEFAULT_ORDER_BATCHES.runners)]
    pub order_batch_runners: usize,
    /// Orders in one batch at most.
    #[arg(long, env = "LOYALTY_ORDER_BATCH_MAX", default_value_t = DEFAULT_ORDER_BATCHES.max_items)]
    pub order_batch_max: usize,
    /// Orders that must be waiting before a second batch starts beside a running one
    /// (1: as soon as any waits).
    #[arg(long, env = "LOYALTY_ORDER_BATCH_SPILL", default_value_t = DEFAULT_ORDER_BATCHES.spill)]
    pub order_batch_spill: usize,
    /// How orders are written on PostgreSQL: `batched` (orders waiting together share
    /// their statements) or `locked` (one by one under the member's row lock, as on
    /// SQLite). Both write the same rows; `locked` rules the batches out.
    #[arg(long, env = "LOYALTY_ORDER_PATH", default_value = "batched")]
    pub order_path: loyalty_domain::orders::OrderPath,
}

impl DbConfig {
    /// The cache times of the domain context.
    pub fn cache_times(&self) -> CacheTimes {
        CacheTimes {
            policy: Duration::from_millis(self.policy_cache_ms),
            keys: Duration::from_millis(self.key_cache_ms),
        }
    }

    /// How orders are batched on PostgreSQL.
    pub fn order_batches(&self) -> BatchLimits {
        BatchLimits {
            runners: self.order_batch_runners,
            max_items: self.order_batch_max,
            spill: self.order_batch_spill,
        }
    }
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
    #[command(flatten)]
    pub messaging: MessagingConfig,
    #[command(flatten)]
    pub bulk: BulkSettings,
    #[command(flatten)]
    pub webhooks: WebhookSettings,
}

/// The webhook delivery worker and the addresses endpoints may use.
#[derive(Debug, Clone, Args)]
pub struct WebhookSettings {
    /// Milliseconds the webhook worker idles when nothing is due; 0 runs no worker in
    /// this process (another replica or `loyalty jobs run-once` posts the events).
    #[arg(long, env = "LOYALTY_WEBHOOK_IDLE_MS", default_value_t = 200)]
    pub webhook_idle_ms: u64,
    /// Let endpoints point to loopback addresses, over plain http too (tests and local
    /// development only; private and link-local addresses stay refused).
    #[arg(long, env = "LOYALTY_ALLOW_HTTP_WEBHOOKS", default_value_t = false)]
    pub allow_http_webhooks: bool,
    /// Milliseconds before a failed delivery's first retry; doubles each attempt, at most
    /// an hour, for 24 hours.
    #[arg(long, env = "LOYALTY_WEBHOOK_RETRY_BASE_MS", default_value_t = 5000)]
    pub webhook_retry_base_ms: i64,
    /// Posts in flight at once per worker.
    #[arg(long, env = "LOYALTY_WEBHOOK_CONCURRENCY", default_value_t = 64)]
    pub webhook_concurrency: usize,
    /// Seconds a receiver may take to answer.
    #[arg(long, env = "LOYALTY_WEBHOOK_TIMEOUT_SECS", default_value_t = 10)]
    pub webhook_timeout_secs: u64,
    /// Seconds a worker owns the deliveries it claimed; those of a worker that died are
    /// posted again by another after it (receivers deduplicate by `webhook-id`).
    #[arg(long, env = "LOYALTY_WEBHOOK_LEASE_SECS", default_value_t = 60)]
    pub webhook_lease_secs: i64,
}

impl WebhookSettings {
    /// Where endpoints may point.
    pub fn urls(&self) -> loyalty_domain::webhooks::UrlRules {
        loyalty_domain::webhooks::UrlRules {
            allow_loopback: self.allow_http_webhooks,
        }
    }

    /// The worker's settings.
    pub fn config(&self) -> loyalty_domain::webhooks::WebhookConfig {
        loyalty_domain::webhooks::WebhookConfig {
            concurrency: self.webhook_concurrency.clamp(1, 1024),
            backoff_base: chrono::Duration::milliseconds(self.webhook_retry_base_ms.max(1)),
            timeout: Duration::from_secs(self.webhook_timeout_secs.max(1)),
            lease: chrono::Duration::seconds(
                self.webhook_lease_secs
                    .max(self.webhook_timeout_secs as i64 + 1)
                    .max(1),
            ),
            urls: self.urls(),
            ..Default::default()
        }
    }
}

/// The bulk runner, which applies `adjustPointsForMembers`, `registerMembersMatching`
/// and `issueVouchersToMembers` jobs a batch at a time.
#[derive(Debug, Clone, Args)]
pub struct BulkSettings {
    /// Milliseconds the bulk runner idles when no job waits; 0 runs no runner in this
    /// process (another replica or `loyalty jobs run-once` does the work).
    #[arg(long, env = "LOYALTY_BULK_IDLE_MS", default_value_t = 1000)]
    pub bulk_idle_ms: u64,
    /// Members per batch; a batch is one transaction.
    #[arg(long, env = "LOYALTY_BULK_BATCH", default_value_t = 200)]
    pub bulk_batch: u64,
    /// Seconds a batch is leased to a runner; a job whose server died is taken over by
    /// another runner after it.
    #[arg(long, env = "LOYALTY_BULK_LEASE_SECS", default_value_t = 60)]
    pub bulk_lease_secs: i64,
}

impl BulkSettings {
    /// The runner's settings.
    pub fn config(&self) -> loyalty_domain::bulk::BulkConfig {
        loyalty_domain::bulk::BulkConfig {
            batch: self.bulk_batch.clamp(1, 10_000),
            lease: chrono::Duration::seconds(self.bulk_lease_secs.max(1)),
        }
    }
}

/// Campaign delivery: channels, prices, pace and retries.
#[derive(Debug, Clone, Args)]
pub struct MessagingConfig {
    /// Milliseconds a delivery worker idles when there is nothing to send; 0 runs no
    /// worker in this process (for API-only replicas).
    #[arg(long, env = "LOYALTY_DISPATCH_IDLE_MS", default_value_t = 1000)]
    pub dispatch_idle_ms: u64,
    /// Zalo ZNS API base URL.
    #[arg(long, env = "LOYALTY_ZNS_BASE_URL", default_value = loyalty_domain::messaging::zns::DEFAULT_BASE_URL)]
    pub zns_base_url: String,
    /// Zalo's OAuth server, which refreshes shops' OA tokens.
    #[arg(long, env = "LOYALTY_ZALO_OAUTH_BASE_URL", default_value = loyalty_domain::messaging::zns::oauth::DEFAULT_BASE_URL)]
    pub zalo_oauth_base_url: String,
    /// The operator's Zalo OA access token, for shops without an OA of their own (a
    /// single-shop install); unset: such shops send no ZNS.
    #[arg(long, env = "LOYALTY_ZNS_ACCESS_TOKEN", hide_env_values = true)]
    pub zns_access_token: Option<String>,

    /// The operator's SMTP server: `smtp://host:25`,
    /// `smtp://user:pass@host:587?tls=required` or `smtps://user:pass@host:465`; it relays
    /// the mail of shops without a server of their own; unset: such shops send no e-mail.
    #[arg(long, env = "LOYALTY_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of campaign e-mails of shops without a sender of their own.
    #[arg(
        long,
        env = "LOYALTY_SMTP_FROM",
        default_value = "Loyalty <noreply@localhost>"
    )]
    pub smtp_from: String,
    /// eSMS's API base URL (tests point it at a fake).
    #[arg(long, env = "LOYALTY_ESMS_BASE_URL", default_value = loyalty_domain::messaging::sms::esms::DEFAULT_BASE_URL)]
    pub esms_base_url: String,
    /// The operator's eSMS API key, for shops without an SMS gateway of their own (a
    /// single-shop install); with LOYALTY_ESMS_SECRET_KEY and LOYALTY_ESMS_BRAND_NAME.
    /// Held as a [`Secret`], so this config's `Debug` never shows it.
    #[arg(long, env = "LOYALTY_ESMS_API_KEY", hide_env_values = true, value_parser = secret)]
    pub esms_api_key: Option<Secret>,
    /// The operator's eSMS secret key.
    #[arg(long, env = "LOYALTY_ESMS_SECRET_KEY", hide_env_values = true, value_parser = secret)]
    pub esms_secret_key: Option<Secret>,
    /// The brand name registered with the operator's eSMS account.
    #[arg(long, env = "LOYALTY_ESMS_BRAND_NAME")]
    pub esms_brand_name: Option<String>,
    /// Send every SMS with eSMS's `Sandbox: 1`: answered as usual, neither sent nor
    /// charged by eSMS (trials).
    #[arg(long, env = "LOYALTY_ESMS_SANDBOX", default_value_t = false)]
    pub esms_sandbox: bool,
    /// The server's public base URL (`https://loyalty.example.vn`), under which e-mails
    /// link to `/unsubscribe/{token}`; default `http://` and the listen address.
    #[arg(long, env = "LOYALTY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Secret of at least 32 characters from which each shop's unsubscribe-link key is
    /// derived; unset, a random key per shop is made and kept in the database. Changing
    /// it (or setting it later) refuses the links of e-mails sent before.
    #[arg(long, env = "LOYALTY_UNSUBSCRIBE_KEY", hide_env_values = true)]
    pub unsubscribe_key: Option<String>,
    /// VND per ZNS message.
    #[arg(long, env = "LOYALTY_PRICE_ZNS", default_value_t = 300)]
    pub price_zns: i64,
    /// VND per e-mail.
    #[arg(long, env = "LOYALTY_PRICE_EMAIL", default_value_t = 20)]
    pub price_email: i64,
    /// VND per SMS segment (160 GSM-7 or 70 UCS-2 characters; 153 and 67 once split).
    #[arg(long, env = "LOYALTY_PRICE_SMS", default_value_t = 500)]
    pub price_sms: i64,
    /// Messages per second per shop, across all workers.
    #[arg(long, env = "LOYALTY_SEND_RATE_PER_SEC", default_value_t = 50)]
    pub rate_per_sec: i64,
    /// Attempts before a retryable failure is final.
    #[arg(long, env = "LOYALTY_SEND_MAX_ATTEMPTS", default_value_t = 5)]
    pub max_attempts: i64,
    /// Milliseconds before the first retry; doubles each attempt, at most 30 minutes.
    #[arg(long, env = "LOYALTY_RETRY_BASE_MS", default_value_t = 30_000)]
    pub retry_base_ms: i64,
    /// Seconds a worker owns a claimed delivery; then another worker may resend it.
    #[arg(long, env = "LOYALTY_DELIVERY_LEASE_SECS", default_value_t = 60)]
    pub lease_secs: i64,
    /// Seconds a provider call may take.
    #[arg(long, env = "LOYALTY_SEND_TIMEOUT_SECS", default_value_t = 15)]
    pub send_timeout_secs: u64,
}

impl MessagingConfig {
    /// The prices.
    pub fn prices(&self) -> Prices {
        Prices::default()
            .with(ChannelKind::Zns, self.price_zns)
            .with(ChannelKind::Email, self.price_email)
            .with(ChannelKind::Sms, self.price_sms)
    }

    /// Where the shops' unsubscribe-link keys come from.
    pub fn unsubscribe_keys(&self) -> anyhow::Result<UnsubscribeKeys> {
        match &self.unsubscribe_key {
            Some(secret) => UnsubscribeKeys::from_secret(secret).map_err(anyhow::Error::msg),
            None => Ok(UnsubscribeKeys::generated()),
        }
    }

    /// The public base URL of a server listening on `addr`.
    pub fn public_url(&self, addr: &str) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
    }

    /// The workers' settings, for a server listening on `addr`.
    pub fn dispatch(&self, addr: &str) -> DispatchConfig {
        DispatchConfig {
            prices: self.prices(),
            rate_per_second: self.rate_per_sec.max(1),
            max_attempts: self.max_attempts.max(1),
            backoff_base: chrono::Duration::milliseconds(self.retry_base_ms.max(0)),
            lease: chrono::Duration::seconds(self.lease_secs.max(1)),
            public_url: self.public_url(addr),
            ..DispatchConfig::default()
        }
    }

    /// The key sealing shops' provider credentials at rest, from `LOYALTY_SECRET_KEY`
    /// (32 random bytes as 64 hexadecimal characters, `openssl rand -hex 32`; read from
    /// the environment only, never a flag, and never kept in this config, which is
    /// `Debug`). Unset: secrets cannot be stored. Malformed: the server stops at
    /// start-up rather than at the first secret.
    pub fn secrets(&self) -> anyhow::Result<Secrets> {
        secret_key()
    }

    /// Zalo's OAuth client.
    pub fn zalo_oauth(&self) -> ZaloOAuth {
        ZaloOAuth::new(
            &self.zalo_oauth_base_url,
            Duration::from_secs(self.send_timeout_secs),
        )
    }

    /// Zalo's template API as the shops read it (`znsTemplates`, campaign checks).
    pub fn zns_templates(&self) -> ZnsTemplates {
        ZnsTemplates::new(
            &self.zns_base_url,
            self.zns_access_token.as_deref(),
            Duration::from_secs(self.send_timeout_secs),
        )
    }

    /// The operator's eSMS account: all three of key, secret and brand name, or none.
    fn esms_default(&self) -> anyhow::Result<Option<Credentials>> {
        match (
            &self.esms_api_key,
            &self.esms_secret_key,
            &self.esms_brand_name,
        ) {
            (None, None, None) => Ok(None),
            (Some(api_key), Some(secret_key), Some(brand_name)) => {
                check_brand_name(brand_name)
                    .map_err(|e| anyhow::anyhow!("LOYALTY_ESMS_BRAND_NAME: {e}"))?;
                Ok(Some(Credentials {
                    api_key: api_key.clone(),
                    secret_key: secret_key.clone(),
                    brand_name: brand_name.clone(),
                }))
            }
            _ => anyhow::bail!(
                "set all of LOYALTY_ESMS_API_KEY, LOYALTY_ESMS_SECRET_KEY and \
                 LOYALTY_ESMS_BRAND_NAME, or none"
            ),
        }
    }

    /// The channels: every shop's own accounts, with the operator's settings as the
    /// defaults of shops without one.
    pub fn channels(&self) -> anyhow::Result<Channels> {
        let mut channels = Channels::new();
        channels.register(Arc::new(ZnsChannel::new(
            &self.zns_base_url,
            self.zalo_oauth(),
            self.zns_access_token.as_deref(),
            Duration::from_secs(self.send_timeout_secs),
        )?));
        channels.register(Arc::new(SmtpChannel::new(
            self.smtp_url.as_deref(),
            &self.smtp_from,
        )?));
        channels.register(Arc::new(SmsChannel::new(
            &self.esms_base_url,
            self.esms_default()?,
            self.esms_sandbox,
            Duration::from_secs(self.send_timeout_secs),
        )?));
        Ok(channels)
    }
}

/// Reads a secret flag or variable into a [`Secret`].
fn secret(raw: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(raw))
}

/// The key sealing secrets at rest, from `LOYALTY_SECRET_KEY` (see
/// [`MessagingConfig::secrets`]).
pub fn secret_key() -> anyhow::Result<Secrets> {
    let key = std::env::var("LOYALTY_SECRET_KEY").ok();
    match key.as_deref().filter(|k| !k.is_empty()) {
        None => Ok(Secrets::none()),
        Some(k) => Ok(Secrets::from_hex(k)?),
    }
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
    /// Active (unrevoked) API keys one shop may hold; `createApiKey` beyond it answers
    /// `LIMIT_EXCEEDED`.
    #[arg(long, env = "LOYALTY_MAX_KEYS_PER_SHOP", default_value_t = loyalty_domain::access::DEFAULT_MAX_KEYS_PER_SHOP)]
    pub max_keys_per_shop: u64,
    /// GraphQL requests executed at once; more wait their turn. Near two or three times
    /// the connection pool keeps the pool busy without requests crowding each other.
    #[arg(long, env = "LOYALTY_MAX_IN_FLIGHT", default_value_t = 48)]
    pub max_in_flight: usize,
    /// Of those, how many one shop may hold at once (0: three quarters of
    /// `LOYALTY_MAX_IN_FLIGHT`);
    /// a shop's further requests wait behind its own, and a freed place goes to the
    /// waiting shop with the fewest running, so one shop's burst cannot starve others.
    #[arg(long, env = "LOYALTY_MAX_IN_FLIGHT_PER_SHOP", default_value_t = 0)]
    pub max_in_flight_per_shop: usize,
    /// How many one shop may hold while other shops have asked within the last second
    /// (0: the machine's cores, and 1 on SQLite): a place is not the CPU, and beside more
    /// running requests than cores another shop's request waits for the CPU whatever its
    /// place; on SQLite every request also waits for the one connection.
    #[arg(
        long,
        env = "LOYALTY_MAX_IN_FLIGHT_PER_SHOP_SHARED",
        default_value_t = 0
    )]
    pub max_in_flight_per_shop_shared: usize,
    /// Lexical tokens in one query document (graphql-armor's default).
    #[arg(long, env = "LOYALTY_MAX_QUERY_TOKENS", default_value_t = 1000)]
    pub max_query_tokens: usize,
    /// Aliased fields in one query document (graphql-armor's default).
    #[arg(long, env = "LOYALTY_MAX_QUERY_ALIASES", default_value_t = 15)]
    pub max_query_aliases: usize,
    /// Directives in one query document (graphql-armor's default).
    #[arg(long, env = "LOYALTY_MAX_QUERY_DIRECTIVES", default_value_t = 50)]
    pub max_query_directives: usize,
    /// Bearer token that may read `GET /metrics`; unset: `/metrics` answers 404.
    #[arg(long, env = "LOYALTY_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Requests a minute one member token, or one address sending member tokens, may
    /// make; more get 429. 0: no limit.
    #[arg(long, env = "LOYALTY_MEMBER_RATE_PER_MIN", default_value_t = 120)]
    pub member_rate_per_min: u32,
    /// Take the client's address for the member rate limit from the last entry of
    /// `X-Forwarded-For` (set it behind a proxy that appends it; otherwise every member
    /// would share the proxy's address).
    #[arg(
        long,
        env = "LOYALTY_CLIENT_IP_FROM_FORWARDED_FOR",
        default_value_t = false
    )]
    pub client_ip_from_forwarded_for: bool,
}

impl Limits {
    /// The request timeout as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// How many requests one shop may run at once while it is the only one asking.
    pub fn in_flight_per_shop(&self) -> usize {
        match self.max_in_flight_per_shop {
            0 => (self.max_in_flight * 3 / 4).max(1),
            n => n.min(self.max_in_flight.max(1)),
        }
    }

    /// How many requests one shop may run at once while others ask too (never more
    /// than it may alone), over a database of `connections` connections.
    pub fn in_flight_per_shop_shared(&self, connections: usize) -> usize {
        let n = match self.max_in_flight_per_shop_shared {
            0 => std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(connections),
            n => n,
        };
        n.clamp(1, self.in_flight_per_shop())
    }

    /// The shares of the admission of requests over a database of `connections`
    /// connections (1 for SQLite).
    pub fn shares(&self, connections: usize) -> crate::admission::Shares {
        crate::admission::Shares {
            alone: self.in_flight_per_shop(),
            shared: self.in_flight_per_shop_shared(connections),
            window: Duration::from_secs(1),
        }
    }

    /// The limits on a query document's shape.
    pub fn document(&self) -> crate::armor::DocumentLimits {
        crate::armor::DocumentLimits {
            max_tokens: self.max_query_tokens,
            max_aliases: self.max_query_aliases,
            max_directives: self.max_query_directives,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1_048_576,
            request_timeout_secs: 30,
            max_query_depth: 12,
            max_query_complexity: 20_000,
            max_keys_per_shop: loyalty_domain::access::DEFAULT_MAX_KEYS_PER_SHOP,
            max_in_flight: 48,
            max_in_flight_per_shop: 0,
            max_in_flight_per_shop_shared: 0,
            max_query_tokens: 1000,
            max_query_aliases: 15,
            max_query_directives: 50,
            metrics_token: None,
            member_rate_per_min: 120,
            client_ip_from_forwarded_for: false,
        }
    }
}
