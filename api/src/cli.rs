//! The `loyalty` command line.
use crate::config::{DbConfig, ServeConfig};
use crate::db_target::{Creation, announce};
use crate::{app, db, graphql, server, telemetry, transfer};
use clap::{Parser, Subcommand};
use loyalty_domain::{audit, program, shops};
use serde_json::json;
use std::process::ExitCode;

/// Loyalty engine for omnichannel merchants.
#[derive(Debug, Parser)]
#[command(name = "loyalty", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the GraphQL server (migrating the database first).
    Serve {
        #[command(flatten)]
        db: DbConfig,
        // Boxed: the server's settings are most of the enum's size.
        #[command(flatten)]
        serve: Box<ServeConfig>,
    },
    /// Creates a demo shop in a fresh SQLite file (tiers, Vietnamese members, offers,
    /// a reward, months of orders), prints its keys and GraphiQL's address, and serves it.
    Demo(crate::demo::DemoArgs),
    /// Applies pending database migrations and exits.
    Migrate {
        #[command(flatten)]
        db: DbConfig,
    },
    /// Prints the GraphQL schema (SDL).
    Schema,
    /// Shop administration.
    Shop {
        #[command(subcommand)]
        command: ShopCommand,
    },
    /// Imports data.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Exports data.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Benchmarks (they print figures; PostgreSQL).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Background jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// A shop's program (operator-level changes the merchant cannot make).
    Program {
        #[command(subcommand)]
        command: ProgramCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ProgramCommand {
    /// Changes an ACTIVE program's ranking conversion (seed 001: fixed after activation;
    /// the merchant asks support) and re-ranks every member from its ranking spend, in
    /// batches, printing progress on stderr and the change as JSON on stdout. The change
    /// is recorded first (`programChanges`, ADMIN); a run that stops part-way is resumed
    /// by running the same command again.
    SetConversion {
        /// The shop's id.
        #[arg(long)]
        shop: uuid::Uuid,
        /// The new VND of paid spend per ranking point.
        #[arg(long)]
        spend_per_point: rust_decimal::Decimal,
        /// Who asked or made the change, as recorded (1 to 100 characters).
        #[arg(long, default_value = "operator")]
        by: String,
        /// Members re-ranked per transaction.
        #[arg(long, default_value_t = loyalty_domain::program::conversion_change::DEFAULT_BATCH)]
        batch_size: u64,
        /// Stops after this many batches (the rest on the next run), to spread the work.
        #[arg(long)]
        max_batches: Option<u64>,
        #[command(flatten)]
        db: DbConfig,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Imports the opening-data CSV into a shop; prints a JSON report.
    Members {
        /// The CSV file.
        file: std::path::PathBuf,
        /// The shop's id.
        #[arg(long)]
        shop: uuid::Uuid,
        #[command(flatten)]
        db: DbConfig,
    },
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// Writes the shop's members matching a filter as CSV to stdout.
    Members {
        /// The shop's id.
        #[arg(long)]
        shop: uuid::Uuid,
        /// A `MemberFilter` as JSON, as `members(filter:)` takes it in GraphQL (the same
        /// camelCase names and enum values; an unknown name is refused), e.g.
        /// '{"province": "Hà Nội", "gender": "FEMALE", "totalSpent": {"min": "1000000"}}'.
        #[arg(long, default_value = "{}")]
        filter_json: String,
        /// A built-in saved filter, as `members(saved:)` takes it: ALL, BOUGHT_LAST_7_DAYS,
        /// BOUGHT_LAST_30_DAYS, LAPSED_OVER_30_DAYS, REGISTERED or NOT_REGISTERED.
        #[arg(long)]
        saved: Option<String>,
        #[command(flatten)]
        db: DbConfig,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Loads a large shop and times the first page of three typical member searches.
    Search {
        /// Members to load.
        #[arg(long, default_value_t = 1_000_000)]
        members: u64,
        /// Runs per search.
        #[arg(long, default_value_t = 30)]
        runs: usize,
        #[command(flatten)]
        db: DbConfig,
    },
    /// Seeds a shop, starts the server on a loopback port and drives it with concurrent
    /// HTTP clients (mixed closed loop, then fixed-rate quotes); compares recordOrder with
    /// the database's single-row INSERT ceiling.
    Load(crate::bench_load::LoadArgs),
    /// Seeds two shops and measures one's latency alone and while the other floods the
    /// server, for each per-shop share given.
    Fairness(crate::bench_load::fairness::FairnessArgs),
    /// Raises events in a new shop and times the webhook worker posting them to a
    /// receiver on a loopback port (events per second).
    Webhooks(crate::bench_webhooks::WebhookBenchArgs),
    /// Loads a shop with years of history (PostgreSQL, in SQL; kept for the next run)
    /// and times the batch work over it: import, BACKFILL, expiry, cycle roll, campaign
    /// freezing, segment counts, a member page.
    Scale(crate::bench_scale::ScaleArgs),
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// Records expired points, rolls accumulation cycles, runs every waiting bulk
    /// job to its end and posts the webhook deliveries due, then exits.
    RunOnce {
        #[command(flatten)]
        db: DbConfig,
        #[command(flatten)]
        webhooks: crate::config::WebhookSettings,
    },
}

#[derive(Debug, Subcommand)]
enum ShopCommand {
    /// Creates a shop and prints its id and first ADMIN key as JSON.
    Create {
        /// The shop's name.
        name: String,
        /// IANA time zone for day boundaries.
        #[arg(long, default_value = shops::DEFAULT_TIME_ZONE)]
        time_zone: String,
        #[command(flatten)]
        db: DbConfig,
    },
    /// A shop's API keys (operator-level: for a shop that lost its ADMIN keys, or before
    /// handing a shop over).
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Adds VND to a shop's messaging balance (what the shop paid for messages) and
    /// prints the balance as JSON. Operator-level, like `topUpMessagingBalance` with the
    /// operator token: a shop's own keys cannot top up.
    TopUp {
        /// The shop's id.
        #[arg(long)]
        shop: uuid::Uuid,
        /// VND to add.
        #[arg(long)]
        amount: i64,
        /// A note kept with the top-up (an invoice number).
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        db: DbConfig,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Creates a key and prints its id, role and secret as JSON (the secret is shown this
    /// once). The shop's cap on active keys applies, as to `createApiKey`.
    Create {
        /// The shop's id.
        #[arg(long)]
        shop: uuid::Uuid,
        /// ADMIN, CHANNEL or READ.
        #[arg(long, value_parser = ["ADMIN", "CHANNEL", "READ"])]
        role: String,
        /// A name to tell the key by (at most 100 characters).
        #[arg(long)]
        name: Option<String>,
        /// Active keys one shop may hold.
        #[arg(long, env = "LOYALTY_MAX_KEYS_PER_SHOP", default_value_t = loyalty_domain::access::DEFAULT_MAX_KEYS_PER_SHOP)]
        max_keys_per_shop: u64,
        #[command(flatten)]
        db: DbConfig,
    },
}

/// The audit scope of an operator command that changes a shop (issue 33): its rows name
/// the operator, the command and `summary` (which carries no secret or personal data).
fn operator(action: &str, summary: serde_json::Value) -> audit::Scope {
    audit::Scope {
        actor: audit::Actor::Operator,
        action: action.to_owned(),
        targets: audit::summary::named_ids(&summary),
        summary,
        request_id: None,
        at: chrono::Utc::now(),
    }
}

/// Parses the command line and runs the command.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    match execute(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { db, serve } => server::serve(&db, &serve).await,
        Command::Demo(args) => crate::demo::run(&args).await,
        Command::Migrate { db: config } => {
            announce(&config.database_url, Creation::Allowed)?;
            let conn = db::connect(&config).await?;
            db::migrate(&conn).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Import {
            command: ImportCommand::Members { file, shop, db },
        } => {
            announce(&db.database_url, Creation::Refused)?;
            let scope = operator("cli:import members", json!({"shopId": shop.to_string()}));
            audit::within(scope, transfer::import_members(&db, shop, &file)).await
        }
        Command::Export {
            command:
                ExportCommand::Members {
                    shop,
                    filter_json,
                    saved,
                    db,
                },
        } => {
            announce(&db.database_url, Creation::Refused)?;
            transfer::export_members(&db, shop, &filter_json, saved.as_deref()).await
        }
        Command::Bench {
            command: BenchCommand::Search { members, runs, db },
        } => {
            announce(&db.database_url, Creation::Refused)?;
            crate::bench_search::run(&db, members, runs).await
        }
        Command::Bench {
            command: BenchCommand::Webhooks(args),
        } => crate::bench_webhooks::run(&args).await,
        Command::Bench {
            command: BenchCommand::Load(args),
        } => {
            // It needs PostgreSQL and creates its own database there.
            announce(&args.db.database_url, Creation::Allowed)?;
            crate::bench_load::run(&args).await
        }
        Command::Bench {
            command: BenchCommand::Scale(args),
        } => {
            // It creates its own database when the URL names a missing one.
            announce(&args.db.database_url, Creation::Allowed)?;
            crate::bench_scale::run(&args).await
        }
        Command::Bench {
            command: BenchCommand::Fairness(args),
        } => {
            announce(&args.db.database_url, Creation::Refused)?;
            crate::bench_load::fairness::run(&args).await
        }
        Command::Jobs {
            command: JobsCommand::RunOnce { db, webhooks },
        } => {
            announce(&db.database_url, Creation::Refused)?;
            let ctx = app::system_context(&db)
                .await?
                .with_secrets(crate::config::secret_key()?)
                .with_webhook_urls(webhooks.urls());
            let report = loyalty_domain::jobs::run_once(&ctx).await?;
            let bulk = loyalty_domain::bulk::run_pending(
                &ctx,
                &loyalty_domain::bulk::BulkConfig::default(),
                u64::MAX,
            )
            .await?;
            let posted = loyalty_domain::webhooks::Deliverer::new(ctx.clone(), webhooks.config())?
                .drain(1000)
                .await?;
            println!(
                "{}",
                serde_json::json!({
                    "webhooksDelivered": posted.delivered,
                    "webhooksRetried": posted.retried,
                    "webhooksFailed": posted.failed,
                    "lotsExpired": report.lots_expired,
                    "pointsExpired": report.points_expired,
                    "membersRolled": report.members_rolled,
                    "activationsFinished": report.activations_finished,
                    "bulkMembersDone": bulk.done,
                    "bulkMembersFailed": bulk.failed,
                })
            );
            Ok(())
        }
        Command::Program {
            command:
                ProgramCommand::SetConversion {
                    shop,
                    spend_per_point,
                    by,
                    batch_size,
                    max_batches,
                    db,
                },
        } => {
            announce(&db.database_url, Creation::Refused)?;
            let ctx = app::system_context(&db).await?;
            set_conversion(&ctx, shop, spend_per_point, &by, batch_size, max_batches).await
        }
        Command::Shop {
            command:
                ShopCommand::Create {
                    name,
                    time_zone,
                    db,
                },
        } => {
            announce(&db.database_url, Creation::Refused)?;
            let ctx = app::system_context(&db).await?;
            let scope = operator("cli:shop create", json!({"timeZone": time_zone}));
            let created =
                audit::within(scope, program::create_shop(&ctx, &name, Some(&time_zone))).await?;
            println!(
                "{}",
                serde_json::json!({
                    "shopId": created.shop_id.to_string(),
                    "adminKey": created.admin_key,
                })
            );
            Ok(())
        }
        Command::Shop {
            command:
                ShopCommand::Key {
                    command:
                        KeyCommand::Create {
                            shop,
                            role,
                            name,
                            max_keys_per_shop,
                            db,
                        },
                },
        } => {
            announce(&db.database_url, Creation::Refused)?;
            let ctx = app::system_context(&db)
                .await?
                .with_max_keys_per_shop(max_keys_per_shop);
            let role = loyalty_domain::access::Role::parse(&role)?;
            let scope = operator(
                "cli:shop key create",
                json!({"shopId": shop.to_string(), "role": role.as_str()}),
            );
            let key = audit::within(
                scope,
                loyalty_domain::access::create_api_key(&ctx, shop, role, name),
            )
            .await?;
            println!(
                "{}",
                serde_json::json!({
                    "id": key.id.to_string(),
                    "role": key.role.as_str(),
                    "key": key.plaintext,
                })
            );
            Ok(())
        }
        Command::Shop {
            command:
                ShopCommand::TopUp {
                    shop,
                    amount,
                    note,
                    db,
                },
        } => {
            announce(&db.database_url, Creation::Refused)?;
            let ctx = app::system_context(&db).await?;
            let scope = operator(
                "cli:shop top-up",
                json!({"shopId": shop.to_string(), "amount": amount}),
            );
            let t = audit::within(
                scope,
                loyalty_domain::campaigns::top_up::top_up(&ctx, shop, amount, note.as_deref()),
            )
            .await?;
            println!(
                "{}",
                serde_json::json!({
                    "topUpId": t.id.to_string(),
                    "balance": t.balance.to_string(),
                    "campaignsResumed": t.campaigns_resumed,
                })
            );
            Ok(())
        }
    }
}

/// Starts or resumes the change, then re-ranks batch by batch until done or
/// `max_batches` ran.
async fn set_conversion(
    ctx: &loyalty_domain::Ctx,
    shop: uuid::Uuid,
    spend: rust_decimal::Decimal,
    by: &str,
    batch_size: u64,
    max_batches: Option<u64>,
) -> anyhow::Result<()> {
    use loyalty_domain::program::conversion_change::{self, ChangeStatus};
    let scope = operator(
        "cli:program set-conversion",
        serde_json::json!({"shop": shop, "spendPerPoint": spend.to_string()}),
    );
    let mut change = audit::within(scope, conversion_change::start(ctx, shop, spend, by)).await?;
    eprintln!(
        "ranking conversion {} -> {} VND per point; re-ranking {} members (already done: {})",
        change.old_value, change.new_value, change.members_total, change.members_done
    );
    let mut batches = 0u64;
    while change.status == ChangeStatus::Running && max_batches.is_none_or(|m| batches < m) {
        change = conversion_change::run_batch(ctx, shop, change.id, batch_size).await?;
        batches += 1;
        eprintln!(
            "re-ranked {} of {} members",
            change.members_done, change.members_total
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "changeId": change.id.to_string(),
            "setting": change.setting,
            "from": change.old_value,
            "to": change.new_value,
            "status": change.status.as_str(),
            "membersDone": change.members_done,
            "membersTotal": change.members_total,
        })
    );
    Ok(())
}
