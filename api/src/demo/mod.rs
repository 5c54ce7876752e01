//! `loyalty demo`: a populated shop in a fresh SQLite file, served at once, so that a
//! newcomer sees GraphiQL with data in one command.
mod names;
mod seed;

use crate::config::{DbConfig, ServeConfig};
use crate::{app, server};
use anyhow::{Context as _, bail};
use loyalty_domain::clock::ManualClock;
use loyalty_domain::orders::{DEFAULT_ORDER_BATCHES, OrderPath};
use sea_orm::ConnectionTrait;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Marks a demo database in its SQLite header (`PRAGMA application_id`, "LDEM"), so that
/// `demo` replaces its own file and no other.
const DEMO_APPLICATION_ID: i32 = 0x4c44_454d;

/// Settings of `loyalty demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The SQLite file to create. A demo file made earlier is replaced; any other
    /// existing file is refused.
    #[arg(long, default_value = "loyalty-demo.db")]
    pub file: PathBuf,
    /// Customers to make.
    #[arg(long, default_value_t = 60)]
    pub members: usize,
    /// Days of history: the shop opened this many days ago.
    #[arg(long, default_value_t = 120)]
    pub days: i64,
    /// Seed of the random choices: the same seed on the same day makes the same shop.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    #[command(flatten)]
    pub serve: Box<ServeConfig>,
}

/// Makes the demo database, prints its keys and GraphiQL's address, then serves it.
pub async fn run(args: &DemoArgs) -> anyhow::Result<()> {
    if !(1..=10_000).contains(&args.members) || !(2..=3650).contains(&args.days) {
        bail!("--members takes 1 to 10000 and --days 2 to 3650");
    }
    clear(&args.file)?;
    let db = db_config(&args.file);
    crate::db_target::announce(&db.database_url, crate::db_target::Creation::Allowed)?;
    mark(&db.database_url).await?;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let ctx = app::context(&db, clock.clone()).await?;
    let plan = seed::Plan {
        seed: args.seed,
        members: args.members,
        days: args.days,
    };
    let seeded = seed::seed(&ctx, &clock, plan).await?;
    drop(ctx);
    println!(
        "Demo shop \"{}\" in {}: {} customers ({} registered members), {} orders over {} days, {} refunds, {} rewards redeemed.",
        seeded.shop_name,
        args.file.display(),
        seeded.members,
        seeded.registered,
        seeded.orders,
        args.days,
        seeded.refunds,
        seeded.rewards_redeemed,
    );
    println!("ADMIN key:   {}", seeded.admin_key);
    println!("CHANNEL key: {}", seeded.channel_key);
    println!("READ key:    {}", seeded.read_key);
    println!(
        "GraphiQL:    http://{}/graphql (send the header Authorization: Bearer <a key above>)",
        args.serve.addr
    );
    server::serve(&db, &args.serve).await
}

/// Removes an earlier demo database at `path` (with its WAL files); refuses any other file.
fn clear(path: &Path) -> anyhow::Result<()> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut header = [0u8; 100];
    let is_demo = file.read_exact(&mut header).is_ok()
        && header.starts_with(b"SQLite format 3\0")
        && header[68..72] == DEMO_APPLICATION_ID.to_be_bytes();
    if !is_demo {
        bail!(
            "{} exists and is not a demo database: refusing to overwrite it (remove it or choose another --file)",
            path.display()
        );
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove {}", path.display()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Creates the file and marks it as a demo database before anything else is written,
/// in the rollback journal mode a new file starts in, so the mark is in the file itself.
async fn mark(url: &str) -> anyhow::Result<()> {
    let db = sea_orm::Database::connect(url).await?;
    db.execute_unprepared(&format!("PRAGMA application_id = {DEMO_APPLICATION_ID}"))
        .await?;
    db.close().await?;
    Ok(())
}

/// The demo's database: its own SQLite file, whatever `DATABASE_URL` says.
fn db_config(path: &Path) -> DbConfig {
    DbConfig {
        database_url: format!("sqlite://{}?mode=rwc", path.display()),
        db_max_connections: 1,
        policy_cache_ms: 1000,
        key_cache_ms: 5000,
        order_batch_runners: DEFAULT_ORDER_BATCHES.runners,
        order_batch_max: DEFAULT_ORDER_BATCHES.max_items,
        order_batch_spill: DEFAULT_ORDER_BATCHES.spill,
        order_path: OrderPath::Locked,
    }
}
