//! Connecting to the database and migrating it.
use crate::config::DbConfig;
use loyalty_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Pooled connections idle at least this long are checked before use.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

/// Opens a pool. SQLite gets one connection in WAL mode: its writers serialize anyway,
/// and a single connection makes that explicit instead of failing with "database is
/// locked" under concurrent writes.
pub async fn connect(config: &DbConfig) -> Result<DatabaseConnection, DbErr> {
    let mut options = options(config);
    if config.database_url.starts_with("sqlite:") {
        options.max_connections(1).min_connections(1);
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
        });
    } else {
        options.max_connections(config.db_max_connections);
    }
    Database::connect(options).await
}

/// Settings every pool shares.
fn options(config: &DbConfig) -> ConnectOptions {
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30))
        // sqlx pings every connection it hands out, a round trip before each statement
        // outside a transaction and each BEGIN. Only a connection idle long enough to
        // have been dropped by the server or a proxy needs that check.
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR);
    options
}

/// How the order pool's connections plan: each statement once per connection (a generic
/// plan), never by scanning a whole table (see `loyalty_domain::orders::record_pg`).
const ORDER_PLANNING: [(&str, &str); 2] = [
    ("plan_cache_mode", "force_generic_plan"),
    ("enable_seqscan", "off"),
];

/// The pool order batches run on, on PostgreSQL: one connection for each batch that may
/// run at once (a batch runs its read, then its write). `None` on SQLite, whose orders
/// take the portable path on the one connection.
///
/// The settings go in the connection's startup packet rather than a `SET`, so they can
/// never outlive it on a server connection that a proxy hands to another client; a proxy
/// that drops them (PgBouncer with `ignore_startup_parameters = options`) leaves orders
/// correct, only planned afresh each time.
pub async fn connect_order_pool(config: &DbConfig) -> Result<Option<DatabaseConnection>, DbErr> {
    if !config.database_url.starts_with("postgres") {
        return Ok(None);
    }
    let mut options = options(config);
    let connections = config.order_batch_runners.max(1);
    options
        .max_connections(u32::try_from(connections).unwrap_or(u32::MAX))
        .min_connections(0)
        .map_sqlx_postgres_opts(|pg| pg.options(ORDER_PLANNING));
    Database::connect(options).await.map(Some)
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
