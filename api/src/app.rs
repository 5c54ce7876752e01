//! Assembling the application: database, schema, routes and protective layers.
use crate::admission::Admission;
use crate::auth::OperatorToken;
use crate::config::{DbConfig, Limits};
use crate::http::{self, AppState};
use crate::parsed_queries::ParsedQueries;
use crate::{db, graphql, unsubscribe, zalo_webhook};
use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::http::StatusCode;
use axum::routing::{get, post};
use loyalty_domain::Ctx;
use loyalty_domain::clock::{Clock, SystemClock};
use loyalty_domain::messaging::Prices;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The router over a ready domain context, with the default message prices.
pub fn router(ctx: Ctx, operator_token: Option<&str>, limits: &Limits) -> Router {
    router_with(ctx, operator_token, limits, Prices::default())
}

/// The router over a ready domain context, showing these message prices.
pub fn router_with(
    ctx: Ctx,
    operator_token: Option<&str>,
    limits: &Limits,
    prices: Prices,
) -> Router {
    let admission = Admission::new(limits.max_in_flight, limits.shares(connections(&ctx)));
    router_admitting(ctx, operator_token, limits, prices, admission)
}

/// How many connections serve requests: one on SQLite; on PostgreSQL a pool larger
/// than any machine's cores as far as the shares are concerned.
pub fn connections(ctx: &Ctx) -> usize {
    match ctx.db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => 1,
        _ => usize::MAX,
    }
}

/// The router with a given admission (tests watch its queue).
pub fn router_admitting(
    ctx: Ctx,
    operator_token: Option<&str>,
    limits: &Limits,
    prices: Prices,
    admission: Admission,
) -> Router {
    crate::metrics::handle();
    let state = AppState {
        schema: graphql::build_with(Some(ctx.clone()), limits, prices),
        introspection: graphql::build_for_introspection(Some(ctx.clone()), limits),
        member: graphql::build_for_members(Some(ctx.clone()), limits, prices),
        audited: graphql::build_for_mutations(Some(ctx.clone()), limits, prices),
        member_rate: crate::member_rate::MemberRate::new(limits.member_rate_per_min).map(Arc::new),
        client_ip_from_forwarded_for: limits.client_ip_from_forwarded_for,
        ctx,
        operator: OperatorToken::new(operator_token),
        queries: ParsedQueries::default(),
        document_limits: limits.document(),
        admission,
        metrics_token: OperatorToken::new(limits.metrics_token.as_deref()),
        max_body_bytes: limits.max_body_bytes,
    };
    Router::new()
        // GraphQL requests wait for a place in `Admission` (past LOYALTY_MAX_IN_FLIGHT
        // they queue rather than crowd the pool, each shop behind its own requests);
        // health and metrics stay outside the queue.
        .route(
            "/graphql",
            get(http::get_graphql)
                .post(http::graphql)
                .options(|| async { StatusCode::NO_CONTENT }),
        )
        // Browsers: CORS for the member widget, shop keys refused from web pages, the
        // member tokens' rate limit (`browser`).
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::browser::guard,
        ))
        .route("/graphiql/{file}", get(crate::graphiql::asset))
        .route("/healthz", get(http::healthz))
        .route("/metrics", get(http::metrics))
        .route("/widget.js", get(crate::widget::serve))
        // Public: web pages show offer images in `<img>`, which sends no key.
        .route(
            "/offer-images/{shop_id}/{offer_id}",
            get(crate::offer_images::serve),
        )
        // Public: the token is the credential (see `crate::unsubscribe`).
        .route(
            "/unsubscribe/{token}",
            get(unsubscribe::follow).post(unsubscribe::follow),
        )
        // Public: Zalo's signature is the credential (see `crate::zalo_webhook`).
        .route(
            "/webhooks/zalo",
            post(zalo_webhook::receive).layer(DefaultBodyLimit::max(
                loyalty_domain::messaging::zns::receipts::MAX_BODY_BYTES,
            )),
        )
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout(),
        ))
        .layer(axum::middleware::map_response(http::coded_refusals))
        // Each request gets an id (or keeps the caller's `x-request-id`), carried in its
        // log span and echoed in the response, so a partner's report finds our logs.
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Connects, migrates and returns the domain context with the given clock.
pub async fn context(db_config: &DbConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Ctx> {
    let db = db::connect(db_config).await?;
    db::migrate(&db).await?;
    let mut ctx = Ctx::with_cache_times(db, clock, db_config.cache_times())
        .with_order_batches(db_config.order_batches())
        .with_order_path(db_config.order_path);
    if let Some(order_db) = db::connect_order_pool(db_config).await? {
        ctx = ctx.with_order_db(order_db);
    }
    Ok(ctx)
}

/// The context on the wall clock.
pub async fn system_context(db_config: &DbConfig) -> anyhow::Result<Ctx> {
    context(db_config, Arc::new(SystemClock)).await
}
