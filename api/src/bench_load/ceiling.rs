//! The database's own ceiling for the simplest write: a single-row INSERT in its own
//! transaction into a scratch table shaped like a slim order row (two uuids and a text
//! key under a primary key and a unique index, amounts, times), without the API.
use super::stats::{Inserts, PgBench};
use crate::config::DbConfig;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

const TABLE: &str = "CREATE TABLE IF NOT EXISTS bench_insert_scratch (
    shop_id uuid NOT NULL,
    id uuid NOT NULL,
    external_id text NOT NULL,
    member_id uuid NOT NULL,
    channel text NOT NULL,
    placed_at timestamptz NOT NULL,
    subtotal numeric NOT NULL,
    total numeric NOT NULL,
    points_earned bigint NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (shop_id, id),
    UNIQUE (shop_id, external_id))";

const INSERT: &str = "INSERT INTO bench_insert_scratch VALUES ($1, $2, $3, $4, 'POS', now(), $5::numeric, $5::numeric, $6, now())";

/// A pool of the server's size with the scratch table made and emptied, for
/// [`sql_inserts`].
pub async fn scratch(db: &DbConfig) -> anyhow::Result<DatabaseConnection> {
    let conn = crate::db::connect(db).await?;
    conn.execute_unprepared(TABLE).await?;
    conn.execute_unprepared("TRUNCATE bench_insert_scratch")
        .await?;
    Ok(conn)
}

/// `tasks` tasks inserting one row at a time for `duration` through `conn` (from
/// [`scratch`]); `turn` keeps each turn's keys apart from the earlier turns'.
pub async fn sql_inserts(
    conn: &DatabaseConnection,
    shop: Uuid,
    tasks: usize,
    duration: Duration,
    turn: u32,
) -> Inserts {
    let (count, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let wal = super::wal::position(conn).await;
    let cpu = super::cpu::Times::now();
    let start = Instant::now();
    let until = start + duration;
    let mut set = tokio::task::JoinSet::new();
    for task in 0..tasks {
        let (conn, count, errors) = (conn.clone(), count.clone(), errors.clone());
        set.spawn(async move {
            let mut n = 0u64;
            while Instant::now() < until {
                n += 1;
                let stmt = Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    INSERT,
                    [
                        shop.into(),
                        Uuid::now_v7().into(),
                        format!("ins-{turn}-{task}-{n}").into(),
                        Uuid::now_v7().into(),
                        150_000i64.into(),
                        150i64.into(),
                    ],
                );
                match conn.execute_raw(stmt).await {
                    Ok(_) => count.fetch_add(1, Ordering::Relaxed),
                    Err(_) => errors.fetch_add(1, Ordering::Relaxed),
                };
            }
        });
    }
    set.join_all().await;
    let elapsed = start.elapsed();
    let cpu = super::cpu::between(cpu, super::cpu::Times::now());
    let wal = super::wal::between(wal, super::wal::position(conn).await);
    Inserts {
        count: count.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        elapsed,
        cpu,
        wal,
    }
}

/// The same insert from `pgbench` (prepared statements, one connection per pooled
/// connection of the server, two threads) when it is on the PATH; `None` otherwise or
/// when it fails (said on stderr).
pub async fn pgbench(db: &DbConfig, shop: Uuid, duration: Duration) -> Option<PgBench> {
    let script = std::env::temp_dir().join(format!("loyalty-bench-insert-{shop}.sql"));
    let sql = format!(
        "INSERT INTO bench_insert_scratch VALUES ('{shop}', gen_random_uuid(), 'pgb-' || gen_random_uuid(), gen_random_uuid(), 'POS', now(), 150000, 150000, 150, now());\n"
    );
    if let Err(e) = std::fs::write(&script, sql) {
        eprintln!("pgbench skipped: cannot write its script: {e}");
        return None;
    }
    let clients = db.db_max_connections;
    let mut command = std::process::Command::new("pgbench");
    command
        .args(["-n", "-M", "prepared", "-j", "2"])
        .arg(format!("-c{clients}"))
        .arg(format!("-T{}", duration.as_secs().max(1)))
        .arg("-f")
        .arg(&script)
        .arg(&db.database_url);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
    let _ = std::fs::remove_file(&script);
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!(
                "pgbench failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            eprintln!("pgbench skipped: {e}");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let tps = text
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|t| t.parse().ok())?;
    Some(PgBench { clients, tps })
}
