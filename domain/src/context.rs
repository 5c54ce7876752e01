//! What every service needs: the database, the clock and the replica's caches.
use crate::access::cache::KeyCache;
use crate::access::usage::KeyUsage;
use crate::clock::Clock;
use crate::messaging::Channels;
use crate::messaging::unsubscribe::UnsubscribeKeys;
use crate::messaging::zns::oauth::ZaloOAuth;
use crate::messaging::zns::receipts::WebhookKeys;
use crate::messaging::zns::templates::ZnsTemplates;
use crate::offers::automatic::AutomaticOffers;
use crate::orders::BatchLimits;
use crate::orders::{OrderPath, OrderQueues};
use crate::program::PolicyCache;
use crate::secrets::Secrets;
use crate::sessions::MemberPrincipal;
use crate::sessions::origins::AllowedOrigins;
use crate::webhooks::UrlRules;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// How long this replica trusts what it cached without asking the database.
#[derive(Debug, Clone, Copy)]
pub struct CacheTimes {
    /// A shop's policy, for reads (writes always check its version).
    pub policy: Duration,
    /// An API key that authenticated.
    pub keys: Duration,
}

impl Default for CacheTimes {
    fn default() -> Self {
        Self {
            policy: Duration::from_secs(1),
            keys: Duration::from_secs(5),
        }
    }
}

/// Shared, cheap to clone handle passed to every service function.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// The connections order batches run on: on PostgreSQL a pool of their own whose
    /// plans are made once per connection and never scan a whole table (see
    /// `loyalty_api::db::connect_order_pool`); otherwise `db` itself.
    pub order_db: DatabaseConnection,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// Shops' policies (see [`PolicyCache`]).
    pub policies: Arc<PolicyCache>,
    /// Shops' active automatic offers (see [`AutomaticOffers`]).
    pub automatic_offers: Arc<AutomaticOffers>,
    /// Keys that authenticated (see [`KeyCache`]).
    pub keys: Arc<KeyCache>,
    /// Member tokens that authenticated, kept like keys (see [`KeyCache`]).
    pub member_sessions: Arc<KeyCache<MemberPrincipal>>,
    /// The origins shops allow their member widget on (see [`AllowedOrigins`]).
    pub widget_origins: Arc<AllowedOrigins>,
    /// When this replica last wrote each key's use (see [`KeyUsage`]).
    pub key_usage: Arc<KeyUsage>,
    /// Orders being read and written on PostgreSQL (see [`OrderQueues`]).
    pub orders: Arc<OrderQueues>,
    /// Which way orders are written on PostgreSQL.
    pub order_path: OrderPath,
    /// Most active (unrevoked) API keys one shop may hold; see
    /// [`create_api_key`](crate::access::create_api_key).
    pub max_keys_per_shop: u64,
    /// Where the shops' unsubscribe-link keys come from (see
    /// [`crate::messaging::unsubscribe`]).
    pub unsubscribe: UnsubscribeKeys,
    /// The key that seals shops' provider credentials (see [`Secrets`]).
    pub secrets: Secrets,
    /// Zalo's OAuth server, which `connectZaloOa` asks for a shop's first tokens.
    pub zalo_oauth: ZaloOAuth,
    /// The channels a test message goes out through (the campaign workers get theirs
    /// from their `Dispatcher`); none configured by default.
    pub channels: Channels,
    /// Shops' ZNS templates at Zalo, kept briefly (see [`ZnsTemplates`]).
    pub zns_templates: Arc<ZnsTemplates>,
    /// The webhook keys of Zalo apps' shops, kept briefly (see [`WebhookKeys`]).
    pub zalo_webhooks: Arc<WebhookKeys>,
    /// Where webhook endpoints may point (see [`UrlRules`]).
    pub webhook_urls: UrlRules,
}

impl Ctx {
    /// A context over `db` with `clock` and the default cache times.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        Self::with_cache_times(db, clock, CacheTimes::default())
    }

    /// A context whose caches keep entries for `times`.
    pub fn with_cache_times(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        times: CacheTimes,
    ) -> Self {
        Self {
            order_db: db.clone(),
            db,
            clock,
            policies: Arc::new(PolicyCache::new(times.policy)),
            // Offers are checked against the policy's version: trusted as long.
            automatic_offers: Arc::new(AutomaticOffers::new(times.policy)),
            keys: Arc::new(KeyCache::new(times.keys)),
            member_sessions: Arc::new(KeyCache::new(times.keys)),
            widget_origins: Arc::new(AllowedOrigins::new(times.keys)),
            key_usage: Arc::new(KeyUsage::default()),
            orders: Arc::new(OrderQueues::default()),
            order_path: OrderPath::default(),
            max_keys_per_shop: crate::access::DEFAULT_MAX_KEYS_PER_SHOP,
            unsubscribe: UnsubscribeKeys::generated(),
            secrets: Secrets::none(),
            zalo_oauth: ZaloOAuth::default(),
            channels: Channels::new(),
            zns_templates: Arc::new(ZnsTemplates::default()),
            zalo_webhooks: Arc::new(WebhookKeys::default()),
            webhook_urls: UrlRules::default(),
        }
    }

    /// The same context sending test messages through `channels` and reading ZNS
    /// templates through `templates`.
    pub fn with_channels(mut self, channels: Channels, templates: ZnsTemplates) -> Self {
        self.channels = channels;
        self.zns_templates = Arc::new(templates);
        self
    }

    /// The same context letting a shop hold at most `n` active API keys.
    pub fn with_max_keys_per_shop(mut self, n: u64) -> Self {
        self.max_keys_per_shop = n;
        self
    }

    /// The same context signing unsubscribe links with `keys`.
    pub fn with_unsubscribe_keys(mut self, keys: UnsubscribeKeys) -> Self {
        self.unsubscribe = keys;
        self
    }

    /// The same context sealing secrets with `secrets`.
    pub fn with_secrets(mut self, secrets: Secrets) -> Self {
        self.secrets = secrets;
        self
    }

    /// The same context asking Zalo's OAuth server through `oauth`.
    pub fn with_zalo_oauth(mut self, oauth: ZaloOAuth) -> Self {
        self.zalo_oauth = oauth;
        self
    }

    /// The same context checking webhook URLs with `rules`.
    pub fn with_webhook_urls(mut self, rules: UrlRules) -> Self {
        self.webhook_urls = rules;
        self
    }

    /// The same context with order batches within `limits` (see [`OrderQueues`]).
    pub fn with_order_batches(mut self, limits: BatchLimits) -> Self {
        self.orders = Arc::new(OrderQueues::new(limits));
        self
    }

    /// The same context writing orders on PostgreSQL by `path`.
    pub fn with_order_path(mut self, path: OrderPath) -> Self {
        self.order_path = path;
        self
    }

    /// The same context with order batches run on `order_db`.
    pub fn with_order_db(mut self, order_db: DatabaseConnection) -> Self {
        self.order_db = order_db;
        self
    }

    /// Calls `callback` after every statement of both pools (`db` and `order_db`), for
    /// counting or tracing what requests cost the database.
    pub fn set_metric_callback<F>(&mut self, callback: F)
    where
        F: Fn(&sea_orm::metric::Info<'_>) + Clone + Send + Sync + 'static,
    {
        self.order_db.set_metric_callback(callback.clone());
        self.db.set_metric_callback(callback);
    }
}
