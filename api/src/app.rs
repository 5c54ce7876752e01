//! Assembling the application: database, schema, routes and protective layers.
use crate::auth::OperatorToken;
use crate::config::{DbConfig, Limits};
use crate::http::{self, AppState};
use crate::{db, graphql};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use loyalty_domain::Ctx;
use loyalty_domain::clock::{Clock, SystemClock};
use std::sync::Arc;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The router over a ready domain context.
pub fn router(ctx: Ctx, operator_token: Option<&str>, limits: &Limits) -> Router {
    let state = AppState {
        schema: graphql::build(Some(ctx.clone()), limits),
        ctx,
        operator: OperatorToken::new(operator_token),
    };
    Router::new()
        .route("/graphql", get(http::graphiql).post(http::graphql))
        .route("/healthz", get(http::healthz))
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout(),
        ))
        .layer(TraceLayer::new_for_http())
}

/// Connects, migrates and returns the domain context with the given clock.
pub async fn context(db_config: &DbConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Ctx> {
    let db = db::connect(db_config).await?;
    db::migrate(&db).await?;
    Ok(Ctx::new(db, clock))
}

/// The context on the wall clock.
pub async fn system_context(db_config: &DbConfig) -> anyhow::Result<Ctx> {
    context(db_config, Arc::new(SystemClock)).await
}
