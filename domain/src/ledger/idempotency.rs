//! Idempotency keys: a retry with the same request gets the first result, a reuse of the
//! key with different content is a conflict (as Stripe and Formance do).
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::idempotency_key;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TryInsertResult};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What a key is for; keys of different scopes never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `recordOrder`, keyed by the order's external id.
    Order,
    /// `refundOrder`, keyed by the refund id.
    Refund,
    /// `adjustPoints`, keyed by the client's key.
    Adjust,
    /// `redeemReward`, keyed by the client's key.
    Reward,
}

impl Scope {
    /// The scope's name as stored in `idempotency_keys.scope`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Order => "order",
            Scope::Refund => "refund",
            Scope::Adjust => "adjust",
            Scope::Reward => "reward",
        }
    }
}

/// `SELECT resource_id` of the key, for a subquery: how a resource is found by the
/// client's id when only its key keeps that id unique (an order by its external id: the
/// key is claimed in the order's transaction, so a second unique index on `orders` would
/// cost every order an index entry for nothing).
pub fn resource_of(shop_id: Uuid, scope: Scope, key: &str) -> SelectStatement {
    let col = |c: idempotency_key::Column| Expr::col((idempotency_key::Entity, c));
    Query::select()
        .column((idempotency_key::Entity, idempotency_key::Column::ResourceId))
        .from(idempotency_key::Entity)
        .and_where(col(idempotency_key::Column::ShopId).eq(shop_id))
        .and_where(col(idempotency_key::Column::Scope).eq(scope.as_str()))
        .and_where(col(idempotency_key::Column::Key).eq(key))
        .to_owned()
}

/// The SHA-256 of a request's canonical JSON.
pub fn request_hash<T: Serialize>(request: &T) -> String {
    let json = serde_json::to_vec(request).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

/// If the key was used before: the resource it created, or `Conflict` if the earlier
/// request differed.
pub async fn replay<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    scope: Scope,
    key: &str,
    hash: &str,
) -> Result<Option<Uuid>> {
    let found =
        idempotency_key::Entity::find_by_id((shop_id, scope.as_str().to_owned(), key.to_owned()))
            .one(conn)
            .await?;
    match found {
        None => Ok(None),
        Some(row) if row.request_hash == hash => Ok(Some(row.resource_id)),
        Some(_) => Err(DomainError::Conflict(format!(
            "{} '{key}' was already used for a different request",
            match scope {
                Scope::Order => "order externalId",
                Scope::Refund => "refundId",
                Scope::Adjust | Scope::Reward => "idempotencyKey",
            }
        ))),
    }
}

fn key_row(
    shop_id: Uuid,
    scope: Scope,
    key: &str,
    hash: &str,
    resource_id: Uuid,
    now: DateTime<Utc>,
) -> idempotency_key::ActiveModel {
    idempotency_key::ActiveModel {
        shop_id: Set(shop_id),
        scope: Set(scope.as_str().to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(hash.to_owned()),
        resource_id: Set(resource_id),
        created_at: Set(now),
    }
}

/// Claims the key for `resource_id`; a concurrent claim fails on the primary key and
/// its transaction rolls back.
pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    scope: Scope,
    key: &str,
    hash: &str,
    resource_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    idempotency_key::Entity::insert(key_row(shop_id, scope, key, hash, resource_id, now))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// What [`claim_first`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    /// The key is this request's now (until its transaction ends).
    New,
    /// The key was used by an earlier request with the same content, for this resource.
    Replay(Uuid),
}

/// Claims the key before doing the work, in one statement when the key is new. A
/// concurrent request with the same key waits on the claim until the first one's
/// transaction ends, then replays its result (or claims the key if it rolled back).
pub async fn claim_first<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    scope: Scope,
    key: &str,
    hash: &str,
    resource_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Claimed> {
    let inserted =
        idempotency_key::Entity::insert(key_row(shop_id, scope, key, hash, resource_id, now))
            .on_conflict_do_nothing()
            .exec_without_returning(conn)
            .await?;
    if matches!(inserted, TryInsertResult::Inserted(1)) {
        return Ok(Claimed::New);
    }
    match replay(conn, shop_id, scope, key, hash).await? {
        Some(id) => Ok(Claimed::Replay(id)),
        None => Err(DomainError::Conflict(format!(
            "'{key}' is being used by a concurrent request; retry"
        ))),
    }
}
