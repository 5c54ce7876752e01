//! `loyalty bench fairness`: what one shop's flood costs another shop. Two shops are
//! seeded through the API; the real router serves them on a loopback port with the
//! given limits; a quiet shop sends one request after the other (quotes at the till and
//! members pages on the admin screen, in turn), first alone and then while the other
//! shop floods the server with a closed loop of many clients (the standard mix of
//! `bench load`). Its p99 under the flood over its p99 alone is the figure: issue 23
//! asks for at most 2.
//!
//! The flood's clients run in this process, on the same cores as the server and the
//! database: their own CPU counts against the quiet shop too, so the figure is an upper
//! bound of what a remote flood would cost.
//!
//! A program, not a test: it prints figures, it asserts nothing.
use super::client::Api;
use super::stats::{OPS, OpStats, Phase};
use super::{seed, workload};
use crate::app;
use crate::config::{DbConfig, Limits};
use anyhow::bail;
use clap::Args;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use std::time::{Duration, Instant};

/// What the quiet shop sends, in turn.
const QUIET_OPS: [&str; 2] = ["quote", "members"];

/// Flags of `loyalty bench fairness`.
#[derive(Debug, Clone, Args)]
pub struct FairnessArgs {
    /// Members of the flooding shop (the quiet shop gets a tenth, at least 100).
    #[arg(long, default_value_t = 2_000)]
    pub members: u64,
    /// Clients of the flooding shop, each sending its next request when the last answers.
    #[arg(long, default_value_t = 64)]
    pub flood_clients: usize,
    /// Seconds of each flood.
    #[arg(long, default_value_t = 15)]
    pub duration: u64,
    /// Requests of the quiet shop alone, before each flood.
    #[arg(long, default_value_t = 400)]
    pub idle_requests: u64,
    /// Places one shop may hold while another asks, one flood each (0: the default
    /// share; `LOYALTY_MAX_IN_FLIGHT_PER_SHOP` or more: no smaller share when shared).
    #[arg(long, value_delimiter = ',', default_value = "0")]
    pub shares: Vec<usize>,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub db: DbConfig,
}

/// The quiet shop's requests, alone and during one flood, and the flood's own.
struct Round {
    share: usize,
    idle: OpStats,
    busy: OpStats,
    flood: Phase,
}

/// Seeds the two shops, then for each share: the quiet shop alone, then beside a flood.
pub async fn run(args: &FairnessArgs) -> anyhow::Result<()> {
    if args.members == 0 || args.flood_clients == 0 || args.duration < 3 {
        bail!("--members and --flood-clients must be above 0, --duration at least 3");
    }
    if args.db.database_url.starts_with("postgres") {
        seed::ensure_database(&args.db.database_url).await?;
    }
    let ctx = app::system_context(&args.db).await?;
    let seeding = serve(&ctx, &args.limits).await?;
    let api = Api::new(&seeding, args.flood_clients);
    let loud = seed::seed(&ctx, &api, args.members).await?;
    let quiet = seed::seed(&ctx, &api, (args.members / 10).max(100)).await?;
    eprintln!(
        "seeded shops {} (flood) and {} (quiet)",
        loud.shop_id, quiet.shop_id
    );
    if ctx.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        use sea_orm::ConnectionTrait;
        ctx.db.execute_unprepared("ANALYZE").await?;
    }
    let loud = workload::Plan::new(&loud, args.members);
    let quiet = workload::Plan::new(&quiet, (args.members / 10).max(100));
    workload::warm_up(&api, &loud, 200).await;

    let mut rounds = Vec::new();
    for &share in &args.shares {
        let limits = Limits {
            max_in_flight_per_shop_shared: share,
            ..args.limits.clone()
        };
        let url = serve(&ctx, &limits).await?;
        let api = Api::new(&url, args.flood_clients + 1);
        eprintln!(
            "shared share {} of {} places: the quiet shop alone, then beside {} flooding clients for {} s",
            limits.in_flight_per_shop_shared(app::connections(&ctx)),
            limits.max_in_flight,
            args.flood_clients,
            args.duration
        );
        let idle = quietly(&api, &quiet, Instant::now(), Some(args.idle_requests)).await;
        let duration = Duration::from_secs(args.duration);
        let flood = tokio::spawn({
            let (api, loud, clients) = (api.clone(), loud.clone(), args.flood_clients);
            async move {
                workload::closed_loop(&api, &loud, clients, duration, workload::Mix::Standard).await
            }
        });
        // The quiet shop starts once the flood holds its places, and stops before the
        // flood's clients begin to finish.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let until = Instant::now() + duration - Duration::from_secs(2);
        let busy = quietly(&api, &quiet, until, None).await;
        let flood = flood.await?;
        rounds.push(Round {
            share: limits.in_flight_per_shop_shared(app::connections(&ctx)),
            idle,
            busy,
            flood,
        });
    }
    print_rounds(args, &mut rounds);
    Ok(())
}

/// The real router with `limits` on a fresh loopback port; its `/graphql` URL.
async fn serve(ctx: &loyalty_domain::Ctx, limits: &Limits) -> anyhow::Result<String> {
    let router = app::router(ctx.clone(), None, limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(format!("http://{addr}/graphql"))
}

/// The quiet shop's requests one after the other: `count` of them, or until `until`.
async fn quietly(api: &Api, plan: &workload::Plan, until: Instant, count: Option<u64>) -> OpStats {
    let mut rng = SmallRng::from_os_rng();
    let mut walk = None;
    let mut stats = OpStats::default();
    let mut sent = 0u64;
    while count.map_or(Instant::now() < until, |n| sent < n) {
        let op = QUIET_OPS[(sent % 2) as usize];
        let t = Instant::now();
        let outcome = workload::send(op, api, plan, &mut rng, &mut walk).await;
        stats.record(t.elapsed(), outcome);
        sent += 1;
    }
    stats
}

fn print_rounds(args: &FairnessArgs, rounds: &mut [Round]) {
    println!(
        "loyalty bench fairness: {} places, {} for a shop alone, {} flooding clients, {} s floods, pool of {} connections, {} cores",
        args.limits.max_in_flight,
        args.limits.in_flight_per_shop(),
        args.flood_clients,
        args.duration,
        args.db.db_max_connections,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!(
        "{:>6} {:>9} {:>9} {:>9} {:>9} {:>7} {:>10} {:>8}",
        "shared", "idle p50", "idle p99", "busy p50", "busy p99", "ratio", "flood /s", "errors"
    );
    for round in rounds.iter_mut() {
        round.idle.sort();
        round.busy.sort();
        let flood: u64 = OPS.iter().map(|op| round.flood.op(op).ok()).sum();
        let errors = round.idle.errors() + round.busy.errors();
        let idle99 = round.idle.percentile_ms(99.0);
        let busy99 = round.busy.percentile_ms(99.0);
        println!(
            "{:>6} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>6.2}x {:>10.0} {:>8}",
            round.share,
            round.idle.percentile_ms(50.0),
            idle99,
            round.busy.percentile_ms(50.0),
            busy99,
            busy99 / idle99.max(f64::MIN_POSITIVE),
            flood as f64 / round.flood.elapsed.as_secs_f64(),
            errors,
        );
    }
    println!("(milliseconds; the quiet shop's requests alternate quote and a members page)");
}
