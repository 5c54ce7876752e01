//! `loyalty bench load`: seeds a shop in PostgreSQL through the API, starts the real HTTP
//! server on a loopback port and drives it with concurrent clients:
//!
//! 0. one client sending 100 requests of each operation in turn, with the SQL statements
//!    each costs;
//! 1. a closed loop of `--clients` clients for `--duration` seconds through a mix of
//!    60 % `quote`, 25 % `recordOrder`, 10 % `members` (a page with tier, points and
//!    recent ledger) and 5 % `refundOrder`;
//!    1b. the same clients sending `recordOrder` alone;
//! 2. the database's own ceiling for single-row inserts from a pool of the same size,
//!    without the API, for the same duration (and `pgbench` doing the same, if found).
//!    1b and 2 run in turns of `--duration / --slices` each, so that a shared machine's
//!    neighbours weigh on both alike;
//! 3. an open loop of `quote` at `--rate` requests per second;
//! 4. the same open loop on a second shop holding 500 active automatic offers.
//!
//! A program, not a test: it prints figures, it asserts nothing.
use crate::app;
use crate::config::{DbConfig, Limits};
use anyhow::bail;
use clap::Args;
use sea_orm::ConnectionTrait;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod automatic;
mod ceiling;
mod client;
mod cpu;
pub mod fairness;
mod seed;
mod stats;
mod wal;
mod webhook;
mod workload;

pub use seed::ensure_database;

/// Requests of each operation sent by one client alone, before the loads.
const ALONE: u64 = 100;

/// Flags of `loyalty bench load`.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Members to seed in the bench shop.
    #[arg(long, default_value_t = 20_000)]
    pub members: u64,
    /// Concurrent clients of the closed loop (and tasks of the insert ceiling).
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Seconds of the closed loop, and of the insert ceiling.
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
    /// Requests per second of the open-loop `quote` phase.
    #[arg(long, default_value_t = 500)]
    pub rate: u64,
    /// Seconds of the open-loop phase.
    #[arg(long, default_value_t = 20)]
    pub rate_duration: u64,
    /// Slices phases 1b and 2 are cut into, run in turn (1b, 2, 1b, 2, ...), so that
    /// both see the same neighbours on a shared machine.
    #[arg(long, default_value_t = 4)]
    pub slices: u32,
    /// Skips `pgbench` even when it is on the PATH.
    #[arg(long)]
    pub no_pgbench: bool,
    /// Subscribes a webhook endpoint to every event type of the bench shop (a receiver
    /// and the delivery worker in this process), to compare recordOrder with and
    /// without events.
    #[arg(long)]
    pub webhook: bool,
    /// With `--webhook`: no delivery worker runs during the phases, so the figures show
    /// what writing the events and their deliveries with each order costs (the outbox),
    /// apart from posting them, which other replicas may do on other cores.
    #[arg(long, requires = "webhook")]
    pub no_delivery: bool,
    /// Runs the phases against the shop `loyalty bench scale --members N` loaded (years of
    /// history) instead of seeding a new one; `--members` is then N.
    #[arg(long, value_name = "N")]
    pub against_scale: Option<u64>,
    #[command(flatten)]
    pub db: DbConfig,
}

/// Runs the three phases and prints their figures.
pub async fn run(args: &LoadArgs) -> anyhow::Result<()> {
    if !args.db.database_url.starts_with("postgres") {
        bail!("the load benchmark needs PostgreSQL: set DATABASE_URL=postgres://...");
    }
    if args.members == 0 || args.clients == 0 || args.duration == 0 || args.rate == 0 {
        bail!("--members, --clients, --duration and --rate must be above 0");
    }
    seed::ensure_database(&args.db.database_url).await?;
    let mut ctx = app::system_context(&args.db).await?;
    // SQL statements the server runs, to show what one request costs the database.
    let statements = Statements::default();
    let counter = statements.through_sea_orm.clone();
    ctx.set_metric_callback(move |_: &sea_orm::metric::Info| {
        counter.fetch_add(1, Ordering::Relaxed);
    });

    // The real router on a loopback port, as `loyalty serve` runs it (no jobs: they
    // would add their own load at random moments).
    let router = app::router(ctx.clone(), None, &Limits::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    let api = client::Api::new(&format!("http://{addr}/graphql"), args.clients);

    let started = Instant::now();
    let (shop, members) = match args.against_scale {
        Some(n) => (seed::adopt(&ctx, &api, n).await?, n),
        None => (seed::seed(&ctx, &api, args.members).await?, args.members),
    };
    eprintln!(
        "seeded shop {} ({} members, {} vouchers) in {:.1?}",
        shop.shop_id,
        members,
        shop.vouchers.len(),
        started.elapsed()
    );

    // Statistics of the tables the seeding just filled: without them the planner
    // takes the empty-table plans of a minute ago, which autovacuum would replace
    // within its next round on a running system.
    ctx.db.execute_unprepared("ANALYZE").await?;
    let webhook_posts = if args.webhook {
        eprintln!(
            "webhook: an endpoint subscribed to every event type, {}",
            if args.no_delivery {
                "no delivery worker"
            } else {
                "delivered from this process"
            }
        );
        Some(webhook::subscribe(&ctx, shop.shop_id, !args.no_delivery).await?)
    } else {
        None
    };

    let plan = workload::Plan::new(&shop, members);
    let warm = workload::warm_up(&api, &plan, 300).await;
    eprintln!("warm-up: {warm} orders recorded for later refunds");

    eprintln!("phase 0: one client, {ALONE} requests of each operation");
    let alone = workload::one_client(&api, &plan, ALONE, &statements).await;

    let duration = Duration::from_secs(args.duration);
    eprintln!(
        "phase 1: {} clients, mixed operations, {}s",
        args.clients, args.duration
    );
    let mixed = counted(
        &ctx.db,
        &statements,
        workload::closed_loop(&api, &plan, args.clients, duration, workload::Mix::Standard),
    )
    .await;

    // The ratio compares phase 1b with phase 2: on a shared VM the neighbours' load
    // moves both by a fifth between minutes, so they run in turns.
    let slices = args.slices.max(1);
    let slice = duration / slices;
    eprintln!(
        "phases 1b and 2 in {slices} turns of {:.1}s each: {} clients, recordOrder only; single-row INSERT ceiling",
        slice.as_secs_f64(),
        args.clients
    );
    let scratch = ceiling::scratch(&args.db).await?;
    let mut orders_only = stats::Phase::new(&stats::OPS);
    let mut inserts = stats::Inserts::default();
    for turn in 0..slices {
        orders_only.add(
            counted(
                &ctx.db,
                &statements,
                workload::closed_loop(&api, &plan, args.clients, slice, workload::Mix::OrdersOnly),
            )
            .await,
        );
        inserts.add(ceiling::sql_inserts(&scratch, shop.shop_id, args.clients, slice, turn).await);
    }
    scratch.close().await?;
    let pgbench = if args.no_pgbench {
        None
    } else {
        ceiling::pgbench(&args.db, shop.shop_id, duration).await
    };

    eprintln!(
        "phase 3: open-loop quote at {}/s, {}s",
        args.rate, args.rate_duration
    );
    let rate_duration = Duration::from_secs(args.rate_duration);
    let open = counted(
        &ctx.db,
        &statements,
        workload::open_loop(&api, &plan, args.rate, rate_duration),
    )
    .await;

    eprintln!(
        "phase 4: a shop with {} automatic offers, open-loop quote at {}/s, {}s",
        loyalty_domain::offers::service::MAX_AUTOMATIC_OFFERS,
        args.rate,
        args.rate_duration
    );
    let mut automatic = automatic::run(&ctx, &api, args.rate, rate_duration).await?;

    stats::print_report(&stats::Report {
        header: &stats::Header {
            members,
            clients: args.clients,
            pool: args.db.db_max_connections,
        },
        alone: &alone,
        mixed: &mixed,
        orders_only: &orders_only,
        inserts: &inserts,
        pgbench: pgbench.as_ref(),
        open: &open,
        order_paths: &crate::metrics::counter_values("loyalty_order_writes_total"),
    });
    print_batches();
    automatic::print(&mut automatic, args.rate);
    if let Some(posts) = webhook_posts {
        eprintln!("webhook posts received: {}", posts.load(Ordering::Relaxed));
    }
    let samples = alone.error_samples().chain(mixed.error_samples());
    let samples = samples.chain(open.error_samples());
    for (op, messages) in samples.chain(automatic.error_samples()) {
        for m in messages {
            eprintln!("error sample, {op}: {m}");
        }
    }
    Ok(())
}

/// Runs a phase and records the SQL statements the server ran, the CPU time the
/// machine spent and the WAL PostgreSQL wrote meanwhile.
async fn counted(
    db: &sea_orm::DatabaseConnection,
    statements: &Statements,
    phase: impl std::future::Future<Output = stats::Phase>,
) -> stats::Phase {
    let before = statements.count();
    let wal = wal::position(db).await;
    let cpu = cpu::Times::now();
    let mut phase = phase.await;
    phase.cpu = cpu::between(cpu, cpu::Times::now());
    phase.wal = wal::between(wal, wal::position(db).await);
    phase.statements = statements.count() - before;
    phase
}

/// The value of a combiner's series `name` for `stage` (0 before its first batch).
fn batch_series(name: &str, stage: &str) -> f64 {
    let wanted = format!("{name}{{stage=\"{stage}\"}}");
    crate::metrics::series_values(name)
        .iter()
        .find(|(s, _)| *s == wanted)
        .map_or(0.0, |(_, v)| *v)
}

/// SQL statements the server has run: those through sea-orm (its metric callback) and
/// the order batches' writes, which run on sqlx directly (bound as typed arrays; one per
/// batch, but for the rare batch written again order by order).
#[derive(Default)]
pub struct Statements {
    through_sea_orm: Arc<AtomicU64>,
}

impl Statements {
    /// Statements so far.
    pub fn count(&self) -> u64 {
        let writes = batch_series("loyalty_batches_total", "order");
        self.through_sea_orm.load(Ordering::Relaxed) + writes as u64
    }
}

/// How the run's orders were batched on their way to PostgreSQL: batches (a read and a
/// write each), orders per batch and time per batch, from its read to its commit.
fn print_batches() {
    let batches = batch_series("loyalty_batches_total", "order");
    if batches == 0.0 {
        return;
    }
    let items = batch_series("loyalty_batched_items_total", "order");
    let seconds = batch_series("loyalty_batch_duration_seconds_sum", "order");
    println!(
        "order batches of the whole run: {batches} batches for {items} orders, {:.1} orders and {:.1} ms per batch",
        items / batches,
        seconds * 1000.0 / batches
    );
}
