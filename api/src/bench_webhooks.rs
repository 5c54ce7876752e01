//! `loyalty bench webhooks`: how many events per second the delivery worker posts to a
//! receiver on this machine. It raises `--events` events over `--members` members in a
//! new shop (through the outbox, as the services do), serves a receiver on a loopback
//! port that answers 204, and times worker rounds until every delivery is recorded as
//! delivered. On SQLite it uses a scratch file, never the configured one; on PostgreSQL
//! it adds a shop to the database given. A program, not a test: it prints figures.
use crate::app;
use crate::config::DbConfig;
use clap::Args;
use loyalty_domain::events::{Event, EventType, emit};
use loyalty_domain::secrets::Secrets;
use loyalty_domain::webhooks::endpoints::{self, EndpointInput};
use loyalty_domain::webhooks::{Deliverer, UrlRules, WebhookConfig};
use loyalty_domain::{ids::new_id, program};
use sea_orm::TransactionTrait;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Flags of `loyalty bench webhooks`.
#[derive(Debug, Clone, Args)]
pub struct WebhookBenchArgs {
    /// Events to deliver.
    #[arg(long, default_value_t = 20_000)]
    pub events: u64,
    /// Members they are about: one member's events go out one after another.
    #[arg(long, default_value_t = 5_000)]
    pub members: u64,
    /// Posts in flight at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    #[command(flatten)]
    pub db: DbConfig,
}

/// Runs the benchmark and prints its figure.
pub async fn run(args: &WebhookBenchArgs) -> anyhow::Result<()> {
    let mut db = args.db.clone();
    let scratch = std::env::temp_dir().join(format!("loyalty-bench-webhooks-{}.db", new_id()));
    if !db.database_url.starts_with("postgres") {
        db.database_url = format!("sqlite://{}?mode=rwc", scratch.display());
    }
    eprintln!(
        "database: {}",
        if db.database_url.starts_with("postgres") {
            "PostgreSQL (DATABASE_URL)"
        } else {
            "a scratch SQLite file"
        }
    );
    let mut key = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut key);
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let urls = UrlRules {
        allow_loopback: true,
    };
    let ctx = app::system_context(&db)
        .await?
        .with_secrets(Secrets::from_hex(&hex)?)
        .with_webhook_urls(urls);

    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let shop = program::create_shop(&ctx, "webhook bench", None).await?;
    let input = EndpointInput {
        url: format!("http://{addr}/hook"),
        events: vec![EventType::OrderRecorded.as_str().to_owned()],
        description: Some("bench".into()),
    };
    endpoints::create(&ctx, shop.shop_id, input).await?;
    let members: Vec<uuid::Uuid> = (0..args.members.max(1)).map(|_| new_id()).collect();
    let started = Instant::now();
    let mut raised = 0u64;
    while raised < args.events {
        let n = (args.events - raised).min(1000);
        let txn = ctx.db.begin().await?;
        let events = (raised..raised + n)
            .map(|i| {
                let member = members[(i % members.len() as u64) as usize];
                Event::member(
                    EventType::OrderRecorded,
                    member,
                    json!({"orderId": new_id(), "externalId": format!("o{i}"), "total": "120000"}),
                )
            })
            .collect();
        emit(&txn, shop.shop_id, events, ctx.clock.now()).await?;
        txn.commit().await?;
        raised += n;
    }
    eprintln!("raised {raised} events in {:.1?}", started.elapsed());

    let config = WebhookConfig {
        concurrency: args.concurrency.max(1),
        urls,
        ..WebhookConfig::default()
    };
    let worker = Deliverer::new(ctx.clone(), config)?;
    let started = Instant::now();
    let mut delivered = 0u64;
    let mut rounds = 0u64;
    while delivered < raised {
        let r = worker.round().await?;
        rounds += 1;
        delivered += r.delivered;
        if r.claimed == 0 {
            anyhow::bail!("the worker stopped with {delivered} of {raised} delivered");
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "events": raised,
            "members": members.len(),
            "concurrency": args.concurrency,
            "rounds": rounds,
            "seconds": (secs * 100.0).round() / 100.0,
            "eventsPerSecond": (raised as f64 / secs).round(),
            "receiverCount": received.load(Ordering::Relaxed),
        })
    );
    drop(ctx);
    if !db.database_url.starts_with("postgres") {
        for suffix in ["", "-wal", "-shm"] {
            std::fs::remove_file(format!("{}{suffix}", scratch.display())).ok();
        }
    }
    Ok(())
}
