//! Serving HTTP until SIGTERM or Ctrl-C, finishing requests in flight.
use crate::app;
use crate::config::{DbConfig, ServeConfig};
use crate::db_target::{Creation, DbTarget};
use loyalty_domain::campaigns::dispatch::Dispatcher;
use loyalty_domain::webhooks::Deliverer;
use tokio::net::TcpListener;

/// Runs `loyalty serve`.
pub async fn serve(db_config: &DbConfig, config: &ServeConfig) -> anyhow::Result<()> {
    // A malformed key stops the server before it touches the database.
    let secrets = config.messaging.secrets()?;
    let target = DbTarget::of(&db_config.database_url)?;
    target.check(Creation::Allowed)?;
    let ctx = app::system_context(db_config)
        .await?
        .with_max_keys_per_shop(config.limits.max_keys_per_shop)
        .with_unsubscribe_keys(config.messaging.unsubscribe_keys()?)
        .with_secrets(secrets)
        .with_zalo_oauth(config.messaging.zalo_oauth())
        .with_channels(
            config.messaging.channels()?,
            config.messaging.zns_templates(),
        )
        .with_webhook_urls(config.webhooks.urls());
    if config.jobs_interval_secs > 0 {
        tokio::spawn(run_jobs(ctx.clone(), config.jobs_interval_secs));
    }
    if config.bulk.bulk_idle_ms > 0 {
        tokio::spawn(run_bulk(
            ctx.clone(),
            config.bulk.config(),
            std::time::Duration::from_millis(config.bulk.bulk_idle_ms),
        ));
    }
    if config.webhooks.webhook_idle_ms > 0 {
        let deliverer = Deliverer::new(ctx.clone(), config.webhooks.config())?;
        tokio::spawn(deliverer.run(std::time::Duration::from_millis(
            config.webhooks.webhook_idle_ms,
        )));
    }
    let messaging = &config.messaging;
    if messaging.dispatch_idle_ms > 0 {
        let dispatcher = Dispatcher::new(
            ctx.clone(),
            messaging.channels()?,
            messaging.dispatch(&config.addr),
        );
        tokio::spawn(dispatcher.run(
            std::time::Duration::from_millis(messaging.dispatch_idle_ms),
            crate::metrics::campaign_round,
        ));
    }
    let router = app::router_with(
        ctx,
        config.operator_token.as_deref(),
        &config.limits,
        messaging.prices(),
    );
    let listener = TcpListener::bind(&config.addr).await?;
    banner(
        listener.local_addr()?,
        &target,
        config.operator_token.as_deref(),
    );
    // The peer's address feeds the member tokens' rate limit per address.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Says what a newcomer needs to reach this server: where it listens, which database it
/// opened, where GraphiQL is, and whether shops can be created over HTTP.
fn banner(addr: std::net::SocketAddr, database: &DbTarget, operator_token: Option<&str>) {
    tracing::info!("listening on http://{addr}");
    tracing::info!("database: {database}");
    tracing::info!("GraphiQL: http://{addr}/graphql");
    if operator_token.is_some_and(|t| !t.is_empty()) {
        tracing::info!("createShop over HTTP: enabled (with the LOYALTY_OPERATOR_TOKEN bearer)");
    } else {
        tracing::info!(
            "createShop over HTTP: disabled (set LOYALTY_OPERATOR_TOKEN to enable it, \
             or use `loyalty shop create` with the same DATABASE_URL)"
        );
    }
}

/// Runs the background jobs every `secs` seconds; a failed run is logged and retried at
/// the next tick (every job is idempotent).
async fn run_jobs(ctx: loyalty_domain::Ctx, secs: u64) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(secs));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match loyalty_domain::jobs::run_once(&ctx).await {
            Ok(report) => crate::metrics::jobs_run(&report),
            Err(e) => tracing::error!(error = %e, "background jobs failed"),
        }
    }
}

/// Runs bulk jobs' batches one after another while there are any, idling `idle` when
/// none waits; a failed batch is logged and retried after its lease runs out.
async fn run_bulk(
    ctx: loyalty_domain::Ctx,
    config: loyalty_domain::bulk::BulkConfig,
    idle: std::time::Duration,
) {
    loop {
        let busy = match loyalty_domain::bulk::run_pending(&ctx, &config, 1).await {
            Ok(report) => {
                crate::metrics::bulk_run(&report);
                report.batches > 0
            }
            Err(e) => {
                tracing::error!(error = %e, "bulk batch failed");
                false
            }
        };
        if !busy {
            tokio::time::sleep(idle).await;
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
