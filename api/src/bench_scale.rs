//! `loyalty bench scale`: a shop with years of history (`--members` members, 20 orders
//! each over three years, their ledger entries and lots), loaded in SQL, and the batch
//! work that touches all of it timed through the domain, as the server and the jobs run
//! it: the opening import of a file as large as the shop, BACKFILL preview and
//! activation, the expiry job, a cycle roll, freezing a campaign's recipients, segment
//! counts and a page of members. A program, not a test: it prints figures, it asserts
//! nothing. A second run reuses the loaded shop (the program is put back to DRAFT, fresh
//! lots fall due, every member goes back a cycle) and measures again.
use crate::app;
use crate::auth::Caller;
use crate::config::{DbConfig, Limits};
use crate::loaders::Loaders;
use anyhow::{Context, bail};
use clap::Args;
use loyalty_domain::access::{Principal, Role};
use loyalty_domain::members::{self, Gender, IntRange, MemberFilter, TimeRange};
use loyalty_domain::{Ctx, campaigns, jobs, program};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::json;
use std::time::{Duration, Instant};
use uuid::Uuid;

mod generate;
mod import_file;
mod memory;
mod statements;

/// Flags of `loyalty bench scale`.
#[derive(Debug, Clone, Args)]
pub struct ScaleArgs {
    /// Members of the bench shop (20 orders each). Each size is its own shop, kept for
    /// the next run.
    #[arg(long, default_value_t = 1_000_000)]
    pub members: u64,
    /// Rows of the opening file imported into a new shop (default: as many as members).
    #[arg(long)]
    pub import_rows: Option<u64>,
    /// Prints, under each step, the SQL statements that took most of its time.
    #[arg(long)]
    pub statements: bool,
    /// Runs of the member page.
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    /// Times only these steps (comma-separated: import, backfill, expiry, roll, freeze,
    /// segments, page); every step by default. A step after `backfill` finds the program
    /// as the last run that activated it left it.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    #[command(flatten)]
    pub db: DbConfig,
}

/// One line of the report.
struct Line {
    step: String,
    items: u64,
    took: Duration,
    unit: &'static str,
    note: String,
    /// The statements that took most of the step's time (with `--statements`).
    statements: Vec<String>,
}

impl Line {
    fn print(&self) {
        let rate = if self.unit.is_empty() || self.took.is_zero() {
            String::new()
        } else {
            format!(
                "{:.0} {}/s",
                self.items as f64 / self.took.as_secs_f64(),
                self.unit
            )
        };
        println!(
            "{:<44} {:>10} {:>11} {:>15}  {}",
            self.step,
            self.items,
            format!("{:.2?}", self.took),
            rate,
            self.note
        );
    }
}

/// Loads the shop if needed, then times each step and prints the table.
pub async fn run(args: &ScaleArgs) -> anyhow::Result<()> {
    if !args.db.database_url.starts_with("postgres") {
        bail!("the scale benchmark needs PostgreSQL: set DATABASE_URL=postgres://...");
    }
    if args.members == 0 {
        bail!("--members must be above 0");
    }
    crate::bench_load::ensure_database(&args.db.database_url).await?;
    let mut ctx = app::system_context(&args.db).await?;
    let n = args.members;
    let shop = shop(&ctx, n).await?;
    let recorder = statements::Recorder::default();
    if args.statements {
        let r = recorder.clone();
        ctx.set_metric_callback(move |info: &sea_orm::metric::Info| r.record(info));
    }
    let mut lines = Vec::new();

    let wants = |step: &str| args.only.is_empty() || args.only.iter().any(|s| s == step);
    let rows = args.import_rows.unwrap_or(n);
    if wants("import") {
        recorder.take(0);
        lines.push(import_file::measure(&ctx, rows).await?);
        attach(&mut lines, &recorder);
    }
    if wants("backfill") {
        backfill(&ctx, shop, n, &recorder, &mut lines).await?;
    }
    if wants("expiry") {
        expiry(&ctx, shop, &recorder, &mut lines).await?;
    }
    if wants("roll") {
        roll(&ctx, shop, &recorder, &mut lines).await?;
    }
    if wants("freeze") {
        lines.push(freeze(&ctx, shop, &recorder).await?);
    }
    if wants("segments") {
        lines.extend(segment_counts(&ctx, shop).await?);
        attach(&mut lines, &recorder);
    }
    if wants("page") {
        lines.push(member_page(&ctx, shop, args.runs).await?);
        attach(&mut lines, &recorder);
    }

    println!(
        "{n} members, {} orders, {} ledger entries, {} lots (PostgreSQL, one process)",
        n * generate::ORDERS_PER_MEMBER,
        count(&ctx, "ledger_entries", shop).await?,
        count(&ctx, "point_lots", shop).await?,
    );
    println!(
        "{:<44} {:>10} {:>11} {:>15}  note",
        "step", "items", "time", "rate"
    );
    for line in &lines {
        line.print();
        for statement in &line.statements {
            println!("{statement}");
        }
    }
    Ok(())
}

/// BACKFILL's preview and activation, from a DRAFT program.
async fn backfill(
    ctx: &Ctx,
    shop: Uuid,
    n: u64,
    recorder: &statements::Recorder,
    lines: &mut Vec<Line>,
) -> anyhow::Result<()> {
    // BACKFILL needs a DRAFT program: a second run puts it back.
    sql(ctx, format!("UPDATE programs SET status = 'DRAFT', activation_mode = NULL, activated_at = NULL WHERE shop_id = '{shop}'")).await?;
    sql(
        ctx,
        format!("DELETE FROM program_activations WHERE shop_id = '{shop}'"),
    )
    .await?;
    recorder.take(0);
    let t = Instant::now();
    let preview =
        members::activation::preview(ctx, shop, program::ActivationMode::Backfill).await?;
    let tiers: Vec<String> = preview
        .iter()
        .map(|(t, c)| format!("{} {c}", t.name))
        .collect();
    lines.push(Line {
        step: "activationPreview(BACKFILL)".into(),
        items: n,
        took: t.elapsed(),
        unit: "members",
        note: tiers.join(", "),
        statements: Vec::new(),
    });
    attach(lines, recorder);
    recorder.take(0);
    let t = Instant::now();
    members::activation::activate(ctx, shop, program::ActivationMode::Backfill).await?;
    lines.push(Line {
        step: "activateProgram(BACKFILL)".into(),
        items: n,
        took: t.elapsed(),
        unit: "members",
        note: String::new(),
        statements: Vec::new(),
    });
    attach(lines, recorder);
    Ok(())
}

/// The expiry job over a fresh due lot for every tenth member.
async fn expiry(
    ctx: &Ctx,
    shop: Uuid,
    recorder: &statements::Recorder,
    lines: &mut Vec<Line>,
) -> anyhow::Result<()> {
    sql(ctx, generate::due_lots(shop)).await?;
    sql(ctx, "ANALYZE point_lots".into()).await?;
    recorder.take(0);
    let t = Instant::now();
    let (lots, _) = jobs::expire::expire_due(ctx, shop).await?;
    lines.push(Line {
        step: "expiry job over the due lots".into(),
        items: lots,
        took: t.elapsed(),
        unit: "lots",
        note: format!("{} lots in the shop", count(ctx, "point_lots", shop).await?),
        statements: Vec::new(),
    });
    attach(lines, recorder);
    Ok(())
}

/// A cycle roll with every member a cycle behind.
async fn roll(
    ctx: &Ctx,
    shop: Uuid,
    recorder: &statements::Recorder,
    lines: &mut Vec<Line>,
) -> anyhow::Result<()> {
    // Every member back to the previous cycle, as on the day a yearly cycle ends.
    sql(ctx, format!("UPDATE members SET cycle_start = cycle_start - interval '1 year' WHERE shop_id = '{shop}'")).await?;
    recorder.take(0);
    let t = Instant::now();
    let rolled = jobs::cycle_roll::roll_cycles(ctx, shop).await?;
    lines.push(Line {
        step: "cycle roll".into(),
        items: rolled,
        took: t.elapsed(),
        unit: "members",
        note: String::new(),
        statements: Vec::new(),
    });
    attach(lines, recorder);
    Ok(())
}

/// Gives the last line the statements that took most of its step's time.
fn attach(lines: &mut [Line], recorder: &statements::Recorder) {
    if let Some(line) = lines.last_mut() {
        line.statements = recorder.take(4);
    }
}

/// The shop loaded for `n` members, if a run loaded it.
pub async fn loaded_shop(ctx: &Ctx, n: u64) -> anyhow::Result<Option<Uuid>> {
    let existing = ctx
        .db
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT shop_id FROM shops WHERE name = $1 LIMIT 1",
            [format!("bench-scale-{n}").into()],
        ))
        .await?;
    Ok(existing.map(|row| row.try_get("", "shop_id")).transpose()?)
}

/// The bench shop of `n` members: found, or created DRAFT and loaded.
async fn shop(ctx: &Ctx, n: u64) -> anyhow::Result<Uuid> {
    let name = format!("bench-scale-{n}");
    if let Some(shop) = loaded_shop(ctx, n).await? {
        eprintln!("measuring the shop {name} loaded by an earlier run");
        return Ok(shop);
    }
    // Named for its size only once loaded: a load that stopped half-way is not measured.
    let loading = format!("{name} (loading)");
    let shop = program::create_shop(ctx, &loading, None).await?.shop_id;
    eprintln!("loading {name}");
    let started = Instant::now();
    generate::run(&ctx.db, generate::history(shop, n)).await?;
    sql(ctx, "VACUUM ANALYZE".into()).await?;
    ctx.db
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "UPDATE shops SET name = $1 WHERE shop_id = $2",
            [name.clone().into(), shop.into()],
        ))
        .await?;
    eprintln!("loaded {name} in {:.1?}", started.elapsed());
    Ok(shop)
}

async fn sql(ctx: &Ctx, sql: String) -> anyhow::Result<()> {
    ctx.db.execute_unprepared(&sql).await?;
    Ok(())
}

async fn count(ctx: &Ctx, table: &str, shop: Uuid) -> anyhow::Result<i64> {
    let row = ctx
        .db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            format!("SELECT count(*) AS n FROM {table} WHERE shop_id = '{shop}'"),
        ))
        .await?
        .context("no count")?;
    Ok(row.try_get("", "n")?)
}

/// Sends an email campaign to the female third of the shop: its recipients are frozen
/// in `send_now`'s transaction.
async fn freeze(ctx: &Ctx, shop: Uuid, recorder: &statements::Recorder) -> anyhow::Result<Line> {
    let spec = campaigns::CampaignSpec {
        name: "bench scale".into(),
        audience: MemberFilter {
            gender: Some(Gender::Female),
            ..Default::default()
        },
        content: loyalty_domain::messaging::Content::Email(
            loyalty_domain::messaging::smtp::content::EmailMessage {
                subject: "Ưu đãi tháng này".into(),
                body: "Xin chào {{ name }}".into(),
                html: None,
            },
        ),
        offer_id: None,
        attribution_days: None,
        include_non_members: true,
    };
    let campaign = campaigns::service::create(ctx, shop, spec).await?;
    recorder.take(0);
    let t = Instant::now();
    let sent = campaigns::service::send_now(ctx, shop, campaign.id).await?;
    let took = t.elapsed();
    // Before the cancel: the profile is the freezing's alone.
    let statements = recorder.take(4);
    // The worker must not send them: the bench has no mail server.
    campaigns::service::cancel(ctx, shop, campaign.id).await?;
    Ok(Line {
        step: "freeze a campaign's recipients".into(),
        items: sent.recipients as u64,
        took,
        unit: "recipients",
        note: format!("{} skipped", sent.skipped),
        statements,
    })
}

/// Counts three segments' members, as `segment.count` does.
async fn segment_counts(ctx: &Ctx, shop: Uuid) -> anyhow::Result<Vec<Line>> {
    let loaded = loyalty_domain::shops::load(&ctx.db, shop).await?;
    let now = ctx.clock.now();
    let cases = [
        (
            "segment.count: province Hà Nội",
            MemberFilter {
                province: Some("Hà Nội".into()),
                ..Default::default()
            },
        ),
        (
            "segment.count: spent >= 5,000,000, 5+ orders",
            MemberFilter {
                total_spent: Some(IntRange {
                    min: Some(5_000_000),
                    max: None,
                }),
                total_orders: Some(IntRange {
                    min: Some(5),
                    max: None,
                }),
                ..Default::default()
            },
        ),
        (
            "segment.count: bought in the last 30 days",
            MemberFilter {
                purchased_within: Some(TimeRange {
                    from: Some(now - chrono::Duration::days(30)),
                    to: None,
                }),
                ..Default::default()
            },
        ),
    ];
    let mut lines = Vec::new();
    for (step, filter) in cases {
        let t = Instant::now();
        let matched = members::count(&ctx.db, &loaded, now, &filter).await?;
        lines.push(Line {
            step: step.into(),
            items: matched,
            took: t.elapsed(),
            unit: "",
            note: String::new(),
            statements: Vec::new(),
        });
    }
    Ok(lines)
}

/// The median of `runs` requests for a page of 20 members with their tier, points, five
/// ledger entries and five orders, through the GraphQL schema.
async fn member_page(ctx: &Ctx, shop: Uuid, runs: usize) -> anyhow::Result<Line> {
    let schema = crate::graphql::build(Some(ctx.clone()), &Limits::default());
    let principal = Principal {
        shop_id: shop,
        key_id: Uuid::nil(),
        role: Role::Read,
    };
    let query = "{ members(first: 20) { edges { node { externalId tier { name } points { available } \
        ledger(first: 5) { edges { node { points } } } orders(first: 5) { edges { node { total } } } } } } }";
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let request = async_graphql::Request::new(query)
            .data(Caller::Shop(principal))
            .data(Loaders::new(ctx));
        let t = Instant::now();
        let response = schema.execute(request).await;
        times.push(t.elapsed());
        if !response.errors.is_empty() {
            bail!("member page: {:?}", response.errors);
        }
        let data = response.data.into_json()?;
        let got = data
            .pointer("/members/edges")
            .and_then(|e| e.as_array())
            .map_or(0, Vec::len);
        if got != 20 {
            bail!("member page: {got} members, not 20: {}", json!(data));
        }
    }
    times.sort();
    Ok(Line {
        step: "member page (20, tier points ledger orders)".into(),
        items: 20,
        took: times[times.len() / 2],
        unit: "",
        note: format!("median of {}", times.len()),
        statements: Vec::new(),
    })
}
