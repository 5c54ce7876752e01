//! Write-ahead log written by PostgreSQL: what a phase's writes cost the log, which every
//! commit waits to flush. Read as the cluster's current WAL position, so other databases'
//! writes meanwhile would count too (the bench expects a machine of its own).
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

/// The cluster's WAL position in bytes; `None` when it cannot be read (no rights, or
/// not PostgreSQL).
pub async fn position(db: &DatabaseConnection) -> Option<u64> {
    let stmt = Statement::from_string(
        DatabaseBackend::Postgres,
        "SELECT CAST(pg_current_wal_lsn() - '0/0' AS BIGINT) AS wal",
    );
    let row = db.query_one_raw(stmt).await.ok()??;
    let bytes: i64 = row.try_get("", "wal").ok()?;
    u64::try_from(bytes).ok()
}

/// Bytes written between two positions.
pub fn between(before: Option<u64>, after: Option<u64>) -> Option<u64> {
    after?.checked_sub(before?)
}
