//! Writing audit rows: one in `audit_log`, one in `audit_targets` per id touched.
use super::{Actor, Scope, current};
use crate::Result;
use crate::ids::new_id;
use chrono::{DateTime, Utc};
use loyalty_entities::{audit_log, audit_target};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Most targets one row indexes; a bulk change names its job, not every member.
pub const MAX_TARGETS: usize = 500;

/// One audit row to write.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: &'a str,
    /// The ids touched.
    pub targets: Vec<String>,
    /// The input without secrets or personal data.
    pub summary: &'a serde_json::Value,
    /// The request's id.
    pub request_id: Option<&'a str>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Writes the current change's row in `shop_id`, adding `touched` to the ids its input
/// named; nothing outside a [`Scope`]. Call it once per transaction, before the commit.
pub async fn record<C: ConnectionTrait>(conn: &C, shop_id: Uuid, touched: &[Uuid]) -> Result<()> {
    record_in(conn, shop_id, current().as_deref(), touched).await
}

/// As [`record`], for the change of `scope` taken along by work that may run outside the
/// caller's task (an order: see `orders::prepared`); nothing when `scope` is `None`.
pub async fn record_in<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    scope: Option<&Scope>,
    touched: &[Uuid],
) -> Result<()> {
    match scope {
        Some(scope) => write(conn, shop_id, &entry_of(scope, touched)).await,
        None => Ok(()),
    }
}

/// The row of `scope` with `touched` added to its targets.
pub fn entry_of<'a>(scope: &'a Scope, touched: &[Uuid]) -> Entry<'a> {
    let targets = scope
        .targets
        .iter()
        .cloned()
        .chain(touched.iter().map(Uuid::to_string))
        .collect();
    Entry {
        actor: scope.actor,
        action: &scope.action,
        targets,
        summary: &scope.summary,
        request_id: scope.request_id.as_deref(),
        at: scope.at,
    }
}

/// Writes `entry` in `shop_id`: the row and its targets, two statements.
pub async fn write<C: ConnectionTrait>(conn: &C, shop_id: Uuid, entry: &Entry<'_>) -> Result<()> {
    let (row, targets) = rows(shop_id, entry);
    audit_log::Entity::insert(row.into_active_model())
        .exec_without_returning(conn)
        .await?;
    if !targets.is_empty() {
        audit_target::Entity::insert_many(targets.into_iter().map(|t| t.into_active_model()))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The rows of `entry`: targets deduplicated, in order, at most [`MAX_TARGETS`].
pub fn rows(shop_id: Uuid, entry: &Entry<'_>) -> (audit_log::Model, Vec<audit_target::Model>) {
    let id = new_id();
    let mut seen = BTreeSet::new();
    let targets: Vec<String> = entry
        .targets
        .iter()
        .filter(|t| seen.insert(t.as_str()))
        .take(MAX_TARGETS)
        .cloned()
        .collect();
    let row = audit_log::Model {
        shop_id,
        id,
        at: entry.at,
        actor: entry.actor.kind().to_owned(),
        actor_key_id: entry.actor.key_id(),
        action: entry.action.to_owned(),
        targets: serde_json::Value::from(targets.clone()).to_string(),
        summary: entry.summary.to_string(),
        request_id: entry.request_id.map(str::to_owned),
    };
    let targets = targets
        .into_iter()
        .map(|target_id| audit_target::Model {
            shop_id,
            target_id,
            audit_id: id,
        })
        .collect();
    (row, targets)
}
