//! The change being made: set by the API around one mutation (or by the command line
//! around one operator action) and read by [`super::record`] in the service's
//! transaction, so that no service signature has to carry who is calling.
//!
//! It is a task-local: it follows the mutation's future and nothing else. Work handed to
//! another task (the PostgreSQL order batches, bulk jobs) carries what it needs itself.
use super::Actor;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;
use uuid::Uuid;

/// What one audited change is, before the service names what it touched.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Who.
    pub actor: Actor,
    /// The mutation (`adjustPoints`) or command (`cli:create-shop`).
    pub action: String,
    /// The input, already stripped of secrets and personal data ([`super::summary`]).
    pub summary: serde_json::Value,
    /// The ids the input names.
    pub targets: Vec<String>,
    /// The HTTP request's id, when there is one.
    pub request_id: Option<String>,
    /// When the change was asked for.
    pub at: DateTime<Utc>,
}

tokio::task_local! {
    static CURRENT: Arc<Scope>;
}

/// Runs `fut` with `scope` as the current change.
pub async fn within<F: Future>(scope: Scope, fut: F) -> F::Output {
    CURRENT.scope(Arc::new(scope), fut).await
}

/// The current change, if the caller runs inside one.
pub fn current() -> Option<Arc<Scope>> {
    CURRENT.try_with(Arc::clone).ok()
}

/// The key making the current change, if it is a key's.
pub fn current_key() -> Option<Uuid> {
    current().and_then(|s| s.actor.key_id())
}
