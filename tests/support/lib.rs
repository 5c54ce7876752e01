//! Test support: spawns the real router on a real socket over a fresh database and
//! talks GraphQL to it over HTTP.
//!
//! Every test gets its own database: a temporary SQLite file, or, when
//! `TEST_DATABASE_URL` is set, a fresh schema in that PostgreSQL database (an
//! unreachable PostgreSQL fails the test; it is never skipped). Time is a
//! [`ManualClock`] the test moves.

pub mod recording_channel;
pub mod scenario_tables;

use chrono::{DateTime, Duration, Utc};
use loyalty_api::config::{DbConfig, Limits};
use loyalty_domain::Ctx;
use loyalty_domain::clock::ManualClock;
use loyalty_domain::orders::DEFAULT_ORDER_BATCHES;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How long a test server's reads trust a cached policy: long, so that the statements a
/// request runs do not depend on how fast the machine is (a server forgets the policy it
/// changes itself; `TestApp::replica` sets its own window).
pub const TEST_POLICY_CACHE_MS: u64 = 60_000;

/// The operator token every test server accepts.
pub const OPERATOR_TOKEN: &str = "test-operator-token";

/// A running server and what a test needs to drive it.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// The HTTP client.
    pub client: reqwest::Client,
    /// The server's clock.
    pub clock: Arc<ManualClock>,
    /// The server's domain context (database and clock), for white-box checks.
    pub ctx: Ctx,
    /// SQL statements the server has run so far.
    pub statements: Arc<AtomicU64>,
    /// The server's admission of requests, to watch its queue.
    pub admission: loyalty_api::admission::Admission,
    db: DbConfig,
    _tmp: Option<tempfile::TempDir>,
}

/// The instant every test starts at.
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T03:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Which database the suite runs on, for test names and logs.
pub fn backend() -> &'static str {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    }
}

async fn database() -> (DbConfig, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => {
            let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
            let admin = Database::connect(url.as_str())
                .await
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL {url} is unreachable: {e}"));
            admin
                .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                .await
                .unwrap_or_else(|e| panic!("cannot create schema: {e}"));
            admin.close().await.ok();
            let sep = if url.contains('?') { '&' } else { '?' };
            let url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
            (
                DbConfig {
                    database_url: url,
                    db_max_connections: 10,
                    policy_cache_ms: TEST_POLICY_CACHE_MS,
                    key_cache_ms: 5000,
                    order_batch_runners: DEFAULT_ORDER_BATCHES.runners,
                    order_batch_max: DEFAULT_ORDER_BATCHES.max_items,
                    order_batch_spill: DEFAULT_ORDER_BATCHES.spill,
                    order_path: Default::default(),
                },
                None,
            )
        }
        Err(_) => {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
            let url = format!("sqlite://{}/loyalty.db?mode=rwc", dir.path().display());
            (
                DbConfig {
                    database_url: url,
                    db_max_connections: 1,
                    policy_cache_ms: TEST_POLICY_CACHE_MS,
                    key_cache_ms: 5000,
                    order_batch_runners: DEFAULT_ORDER_BATCHES.runners,
                    order_batch_max: DEFAULT_ORDER_BATCHES.max_items,
                    order_batch_spill: DEFAULT_ORDER_BATCHES.spill,
                    order_path: Default::default(),
                },
                Some(dir),
            )
        }
    }
}

/// Starts a server with default limits.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Limits::default()).await
}

/// Starts a server that writes orders on PostgreSQL by `path` (SQLite always locks).
pub async fn spawn_app_on(path: loyalty_domain::orders::OrderPath) -> TestApp {
    let (mut db, tmp) = database().await;
    db.order_path = path;
    let clock = Arc::new(ManualClock::new(start_time()));
    serve(db, tmp, clock, Limits::default()).await
}

/// Starts a server with the given limits.
pub async fn spawn_app_with(limits: Limits) -> TestApp {
    let (db, tmp) = database().await;
    let clock = Arc::new(ManualClock::new(start_time()));
    serve(db, tmp, clock, limits).await
}

impl TestApp {
    /// A second server over the same database and clock, as another replica behind a
    /// load balancer would be, with its own caches; `policy_cache_ms` sets how long it
    /// trusts a cached policy for reads. It must not outlive `self`.
    pub async fn replica(&self, policy_cache_ms: u64) -> TestApp {
        let db = DbConfig {
            policy_cache_ms,
            ..self.db.clone()
        };
        serve(db, None, self.clock.clone(), Limits::default()).await
    }

    /// A second replica (as [`Self::replica`]) trusting a key that authenticated for
    /// `key_cache_ms` without reading it again.
    pub async fn replica_keeping_keys(&self, key_cache_ms: u64) -> TestApp {
        let db = DbConfig {
            key_cache_ms,
            ..self.db.clone()
        };
        serve(db, None, self.clock.clone(), Limits::default()).await
    }
}

async fn serve(
    db: DbConfig,
    tmp: Option<tempfile::TempDir>,
    clock: Arc<ManualClock>,
    limits: Limits,
) -> TestApp {
    let mut ctx = loyalty_api::app::context(&db, clock.clone())
        .await
        .unwrap_or_else(|e| panic!("cannot start: {e:#}"))
        .with_max_keys_per_shop(limits.max_keys_per_shop);
    let statements = Arc::new(AtomicU64::new(0));
    let counter = statements.clone();
    let trace = std::env::var("TRACE_SQL").is_ok();
    ctx.set_metric_callback(move |info: &sea_orm::metric::Info| {
        counter.fetch_add(1, Ordering::SeqCst);
        if trace {
            eprintln!(
                "SQL {}",
                info.statement.sql.chars().take(90).collect::<String>()
            );
        }
    });
    let admission = loyalty_api::admission::Admission::new(
        limits.max_in_flight,
        limits.shares(loyalty_api::app::connections(&ctx)),
    );
    let router = loyalty_api::app::router_admitting(
        ctx.clone(),
        Some(OPERATOR_TOKEN),
        &limits,
        Default::default(),
        admission.clone(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    TestApp {
        url: format!("http://{addr}"),
        client: reqwest::Client::new(),
        clock,
        ctx,
        statements,
        admission,
        db,
        _tmp: tmp,
    }
}

/// A GraphQL response, with helpers to read data or the error code.
#[derive(Debug, Clone)]
pub struct Gql {
    /// HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
}

impl Gql {
    /// `data`, failing the test if the response has errors.
    pub fn data(&self) -> &Value {
        if let Some(errors) = self.body.get("errors") {
            panic!("unexpected errors: {errors}");
        }
        &self.body["data"]
    }

    /// The first error's `extensions.code`, failing the test if there is none.
    pub fn code(&self) -> String {
        let code = &self.body["errors"][0]["extensions"]["code"];
        code.as_str()
            .unwrap_or_else(|| panic!("expected an error with a code, got {}", self.body))
            .to_owned()
    }

    /// The first error's message.
    pub fn message(&self) -> String {
        self.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl TestApp {
    /// Posts a GraphQL operation with an optional bearer key.
    pub async fn gql(&self, key: Option<&str>, query: &str, variables: Value) -> Gql {
        self.post_json(key, &json!({ "query": query, "variables": variables }))
            .await
    }

    /// Posts any JSON body to `/graphql`.
    pub async fn post_json(&self, key: Option<&str>, body: &Value) -> Gql {
        self.post_raw(key, body.to_string().into_bytes()).await
    }

    /// Posts raw bytes to `/graphql`.
    pub async fn post_raw(&self, key: Option<&str>, body: Vec<u8>) -> Gql {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.url))
            .header("content-type", "application/json")
            .body(body);
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("request: {e}"));
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Gql { status, body }
    }

    /// Creates a shop with the operator token; returns its id and ADMIN key.
    pub async fn create_shop(&self, name: &str) -> (String, String) {
        let res = self
            .gql(
                Some(OPERATOR_TOKEN),
                "mutation($n: String!) { createShop(name: $n) { shopId adminKey } }",
                json!({ "n": name }),
            )
            .await;
        let data = res.data();
        (
            str_at(data, "/createShop/shopId"),
            str_at(data, "/createShop/adminKey"),
        )
    }

    /// Creates a key of `role` with an ADMIN key.
    pub async fn create_key(&self, admin_key: &str, role: &str) -> String {
        let res = self
            .gql(
                Some(admin_key),
                &format!("mutation {{ createApiKey(role: {role}) {{ key }} }}"),
                json!({}),
            )
            .await;
        str_at(res.data(), "/createApiKey/key")
    }

    /// Upserts a member and returns its `id`.
    pub async fn upsert_member(&self, key: &str, input: Value) -> String {
        let res = self
            .gql(
                Some(key),
                "mutation($i: MemberInput!) { upsertMember(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
        str_at(res.data(), "/upsertMember/id")
    }

    /// Statements the server runs for one request.
    pub async fn statements_for(&self, key: &str, query: &str, variables: Value) -> (u64, Gql) {
        let before = self.statements.load(Ordering::SeqCst);
        let res = self.gql(Some(key), query, variables).await;
        (self.statements.load(Ordering::SeqCst) - before, res)
    }

    /// The server's database URL, for a test that needs a connection of its own.
    pub fn database_url(&self) -> &str {
        &self.db.database_url
    }

    /// Moves the server's clock forward.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

/// The string at a JSON pointer, failing the test if absent.
/// Subscribes an endpoint of `shop` to `events` by writing its row directly (the test
/// server has no secret key to seal a real one's secret, and no worker posts to it):
/// for tests that look at the events and deliveries written. Answers its id.
pub async fn subscribe_directly(ctx: &Ctx, shop: uuid::Uuid, events: &[&str]) -> uuid::Uuid {
    use loyalty_entities::webhook_endpoint::{self, EndpointStatus};
    use sea_orm::{EntityTrait, IntoActiveModel};
    let id = uuid::Uuid::now_v7();
    let now = ctx.clock.now();
    webhook_endpoint::Entity::insert(
        webhook_endpoint::Model {
            shop_id: shop,
            id,
            url: "https://partner.example.com/loyalty".into(),
            description: String::new(),
            event_types: json!(events).to_string(),
            secret: "never posted".into(),
            status: EndpointStatus::Active,
            disabled_reason: None,
            failing_since: None,
            created_at: now,
            updated_at: now,
        }
        .into_active_model(),
    )
    .exec_without_returning(&ctx.db)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    loyalty_domain::events::subscriptions::forget(shop);
    id
}

pub fn str_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {v}"))
        .to_owned()
}

/// Points of a member by state: (available, pending, used, expired).
pub type Points = (i64, i64, i64, i64);

impl TestApp {
    /// Configures the program with `input` (a `ProgramInput`) and activates it. Unless
    /// `input` says otherwise the program is for ALL_CUSTOMERS, so that a test's
    /// customers, who come from its orders unregistered, take part as they did before
    /// the setting existed (`tests/e2e/enrollment.rs` tests MEMBERS_ONLY, the default).
    pub async fn activate(&self, admin: &str, mut input: Value, mode: &str) {
        if let Value::Object(fields) = &mut input {
            fields
                .entry("enrollment")
                .or_insert_with(|| json!("ALL_CUSTOMERS"));
        }
        self.gql(
            Some(admin),
            "mutation($i: ProgramInput!) { configureProgram(input: $i) { status } }",
            json!({ "i": input }),
        )
        .await
        .data();
        self.gql(
            Some(admin),
            &format!("mutation {{ activateProgram(mode: {mode}) {{ status }} }}"),
            json!({}),
        )
        .await
        .data();
    }

    /// Creates shop "A" with its program active (1,000 VND per ranking point, members
    /// start in the initial tier, every customer takes part); returns the ADMIN key.
    pub async fn active_shop(&self) -> String {
        let (_, admin) = self.create_shop("A").await;
        self.activate(
            &admin,
            json!({"spendPerRankingPoint": "1000"}),
            "INITIAL_TIER",
        )
        .await;
        admin
    }

    /// Records an order of one line; returns the raw response.
    pub async fn order(&self, key: &str, id: &str, member: &str, amount: i64, redeem: i64) -> Gql {
        self.gql(
            Some(key),
            "mutation($i: OrderInput!) { recordOrder(input: $i) { orderId total paid discountTotal pointsEarned pointsRedeemed member { totalOrders totalSpent tier { name } } } }",
            json!({"i": {
                "externalId": id,
                "memberExternalId": member,
                "channel": "POS",
                "lines": [{"productId": "sku", "quantity": 1, "unitPrice": amount.to_string()}],
                "redeemPoints": redeem,
            }}),
        )
        .await
    }

    /// Refunds `amount` of an order; returns the raw response.
    pub async fn refund(&self, key: &str, order: &str, refund: &str, amount: i64) -> Gql {
        self.gql(
            Some(key),
            "mutation($i: RefundInput!) { refundOrder(input: $i) { orderId refundedAmount member { totalSpent tier { name } } } }",
            json!({"i": {"orderExternalId": order, "refundId": refund, "amount": amount.to_string()}}),
        )
        .await
    }

    /// A member's points by external id.
    pub async fn points(&self, key: &str, member: &str) -> Points {
        let res = self
            .gql(
                Some(key),
                "query($e: String) { member(externalId: $e) { points { available pending used expired } } }",
                json!({ "e": member }),
            )
            .await;
        let p = &res.data()["member"]["points"];
        let n = |f: &str| p[f].as_i64().unwrap_or_else(|| panic!("no {f} in {p}"));
        (n("available"), n("pending"), n("used"), n("expired"))
    }

    /// The balances cached on a member's row (available, pending), which search filters
    /// on and which must equal the ledger's.
    pub async fn cached_points(&self, member_id: uuid::Uuid) -> (i64, i64) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let row = loyalty_entities::member::Entity::find()
            .filter(loyalty_entities::member::Column::Id.eq(member_id))
            .one(&self.ctx.db)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("member row {member_id}"));
        (row.points_available, row.points_pending)
    }

    /// A member's tier name by external id.
    pub async fn tier_of(&self, key: &str, member: &str) -> Option<String> {
        let res = self
            .gql(
                Some(key),
                "query($e: String) { member(externalId: $e) { tier { name } } }",
                json!({ "e": member }),
            )
            .await;
        res.data()["member"]["tier"]["name"]
            .as_str()
            .map(str::to_owned)
    }

    /// A member's ledger, newest first, as (kind, points) pairs.
    pub async fn ledger(&self, key: &str, member: &str) -> Vec<(String, i64)> {
        let res = self
            .gql(
                Some(key),
                "query($e: String) { member(externalId: $e) { ledger(first: 100) { edges { node { kind points } } } } }",
                json!({ "e": member }),
            )
            .await;
        res.data()["member"]["ledger"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| {
                (
                    str_at(e, "/node/kind"),
                    e["node"]["points"].as_i64().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Changes the tier at `rank` (1 = initial) with a `TierInput`; name and threshold
    /// are kept unless `input` gives them.
    pub async fn update_tier(&self, admin: &str, rank: usize, input: Value) {
        let tiers = self
            .gql(Some(admin), "{ tiers { id name minSpend } }", json!({}))
            .await;
        let tier = tiers.data()["tiers"][rank - 1].clone();
        let mut full = json!({"name": tier["name"], "minSpend": tier["minSpend"]});
        if let (Some(f), Some(i)) = (full.as_object_mut(), input.as_object()) {
            f.extend(i.clone());
        }
        self.gql(
            Some(admin),
            "mutation($id: ID!, $i: TierInput!) { updateTier(id: $id, input: $i) { id } }",
            json!({"id": tier["id"], "i": full}),
        )
        .await
        .data();
    }

    /// Sends the same operation with each of `variables` at once, from separate tasks;
    /// returns each response's first error code, or "OK".
    pub async fn race(&self, key: &str, query: &str, variables: Vec<Value>) -> Vec<String> {
        let handles: Vec<_> = variables
            .into_iter()
            .map(|vars| {
                let (url, key) = (self.url.clone(), key.to_owned());
                let body = json!({"query": query, "variables": vars});
                tokio::spawn(async move {
                    let v: Value = reqwest::Client::new()
                        .post(format!("{url}/graphql"))
                        .bearer_auth(key)
                        .json(&body)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("{e}"))
                        .json()
                        .await
                        .unwrap_or_default();
                    v
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in handles {
            let v = h.await.unwrap_or_else(|e| panic!("{e}"));
            out.push(
                v["errors"][0]["extensions"]["code"]
                    .as_str()
                    .unwrap_or("OK")
                    .to_owned(),
            );
        }
        out
    }

    /// Runs every waiting bulk job to its end, as `loyalty jobs run-once` does.
    pub async fn run_bulk(&self) -> loyalty_domain::bulk::RunReport {
        loyalty_domain::bulk::run_pending(&self.ctx, &Default::default(), u64::MAX)
            .await
            .unwrap_or_else(|e| panic!("bulk: {e}"))
    }

    /// Runs the background jobs once, as `loyalty jobs run-once` does.
    pub async fn run_jobs(&self) -> loyalty_domain::jobs::JobReport {
        loyalty_domain::jobs::run_once(&self.ctx)
            .await
            .unwrap_or_else(|e| panic!("jobs: {e}"))
    }
}

/// Reverts the migration named `name` and every later one, the last first, so that a
/// test of one migration's `down` still reverts that one when later migrations exist;
/// `Migrator::up` brings them all back.
pub async fn migrate_down_through(db: &sea_orm::DatabaseConnection, name: &str) {
    use loyalty_migrations::{Migrator, MigratorTrait};
    let all = Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    let steps = u32::try_from(all.len() - at).unwrap_or(u32::MAX);
    Migrator::down(db, Some(steps))
        .await
        .unwrap_or_else(|e| panic!("down through {name}: {e}"));
}
