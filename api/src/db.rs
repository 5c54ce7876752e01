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
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30))
        // sqlx pings every connection it hands out, a round trip before each statement
        // outside a transaction and each BEGIN. Only a connection idle long enough to
        // have been dropped by the server or a proxy needs that check.
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR);
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

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
