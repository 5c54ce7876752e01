//! `POST /webhooks/zalo`: Zalo's events for the shops' OAs; delivery receipts mark
//! deliveries DELIVERED (see `loyalty_domain::messaging::zns::receipts`). The signature
//! is the credential: an event no connected shop's webhook key verifies gets 401 and
//! changes nothing; a body that is not an event, 400; one over
//! `receipts::MAX_BODY_BYTES`, 413. Accepted events answer 200 at once, whatever they
//! matched, so Zalo does not retry them.
use crate::http::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use loyalty_domain::messaging::zns::receipts::{self, Refused};

/// The header carrying `mac=<hex>`.
pub const SIGNATURE_HEADER: &str = "x-zevent-signature";

/// Takes one Zalo event.
pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let ctx = &state.ctx;
    match receipts::receive(ctx, &ctx.zalo_webhooks, &body, signature).await {
        Ok(Ok(accepted)) => {
            tracing::debug!(marked = accepted.marked, "Zalo event accepted");
            (StatusCode::OK, "ok").into_response()
        }
        Ok(Err(Refused::Unauthorized)) => {
            tracing::warn!("Zalo webhook refused: no connected shop's key verifies it");
            (StatusCode::UNAUTHORIZED, "invalid signature").into_response()
        }
        Ok(Err(Refused::Malformed(why))) => {
            (StatusCode::BAD_REQUEST, format!("not a Zalo event: {why}")).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "Zalo webhook failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "try again").into_response()
        }
    }
}
