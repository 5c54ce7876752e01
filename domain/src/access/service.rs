//! Creating keys and authenticating presented ones.
use super::cache::Lookup;
use super::{Role, keys};
use crate::{Ctx, DomainError, Result, ids::new_id};
use loyalty_entities::api_key;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::sync::Arc;
use uuid::Uuid;

/// An authenticated shop key: the shop every operation is scoped to and the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// The caller's shop.
    pub shop_id: Uuid,
    /// The key that authenticated.
    pub key_id: Uuid,
    /// What the key may do.
    pub role: Role,
}

/// A key as created: the plaintext is returned this once.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    /// The key's id.
    pub id: Uuid,
    /// The secret to hand to the client.
    pub plaintext: String,
    /// Its role.
    pub role: Role,
}

/// Looks up a presented key; an unknown, malformed or revoked key is `Unauthenticated`,
/// and a lookup the database failed is `Db` (the caller may retry; the key may be fine).
/// Keys that authenticated are kept in `ctx.keys` for a few seconds, and requests
/// presenting one key at once share its lookup (see [`KeyCache`](super::cache::KeyCache)).
pub async fn authenticate(ctx: &Ctx, presented: &str) -> Result<Principal> {
    let shop_id = keys::shop_of(presented).ok_or(DomainError::Unauthenticated)?;
    let hash = keys::hash(presented);
    let principal = ctx
        .keys
        .get_or_load(&hash, look_up(ctx, shop_id, &hash))
        .await
        .map_err(|e| replay(&e))?
        .ok_or(DomainError::Unauthenticated)?;
    super::usage::note_use(ctx, &principal).await;
    Ok(principal)
}

/// Reads a key's row: its principal, or `None` when it is unknown or revoked.
async fn look_up(ctx: &Ctx, shop_id: Uuid, hash: &str) -> Lookup {
    let row = api_key::Entity::find()
        .filter(api_key::Column::ShopId.eq(shop_id))
        .filter(api_key::Column::KeyHash.eq(hash))
        .one(&ctx.db)
        .await
        .map_err(|e| Arc::new(DomainError::from(e)))?;
    let Some(row) = row.filter(|r| r.revoked_at.is_none()) else {
        return Ok(None);
    };
    Ok(Some(Principal {
        shop_id,
        key_id: row.id,
        role: Role::parse(&row.role).map_err(Arc::new)?,
    }))
}

/// The failure of a shared lookup, for one of the requests that waited for it: a
/// database failure stays one, so that every such request is told to retry.
fn replay(shared: &DomainError) -> DomainError {
    match shared {
        DomainError::Db(e) => DomainError::Db(DbErr::Custom(format!("key lookup: {e}"))),
        other => DomainError::Internal(format!("key lookup: {other}")),
    }
}

/// Creates a key for `shop_id` inside the caller's transaction.
pub async fn insert_key<C: ConnectionTrait>(
    conn: &C,
    ctx: &Ctx,
    shop_id: Uuid,
    role: Role,
    name: Option<String>,
) -> Result<CreatedKey> {
    let key = keys::generate(shop_id);
    let id = new_id();
    api_key::Entity::insert(api_key::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(id),
        name: Set(clean_name(name)?),
        role: Set(role.as_str().to_owned()),
        key_hash: Set(key.hash),
        created_at: Set(ctx.clock.now()),
        revoked_at: Set(None),
        prefix: Set(Some(key.prefix)),
        last_used_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(CreatedKey {
        id,
        plaintext: key.plaintext,
        role,
    })
}

/// Active keys a shop may hold when the configuration says nothing
/// (`LOYALTY_MAX_KEYS_PER_SHOP`).
pub const DEFAULT_MAX_KEYS_PER_SHOP: u64 = 50;

/// Creates a key in its own transaction, unless the shop already holds
/// `ctx.max_keys_per_shop` active (unrevoked) keys: every key is a credential to guard
/// and a cached entry on every replica, so an ADMIN cannot mint them without end.
/// The shop's row is locked before counting, so two concurrent creations cannot both
/// take the last place (PostgreSQL; SQLite has a single writer).
pub async fn create_api_key(
    ctx: &Ctx,
    shop_id: Uuid,
    role: Role,
    name: Option<String>,
) -> Result<CreatedKey> {
    use loyalty_entities::shop;
    use sea_orm::{PaginatorTrait, QuerySelect, TransactionTrait};
    let txn = ctx.db.begin().await?;
    shop::Entity::find_by_id(shop_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("shop not found".into()))?;
    let active = api_key::Entity::find()
        .filter(api_key::Column::ShopId.eq(shop_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .count(&txn)
        .await?;
    if active >= ctx.max_keys_per_shop {
        return Err(DomainError::LimitExceeded(format!(
            "a shop may hold at most {} active API keys and this one holds {active}",
            ctx.max_keys_per_shop
        )));
    }
    let key = insert_key(&txn, ctx, shop_id, role, name).await?;
    crate::audit::record(&txn, shop_id, &[key.id]).await?;
    txn.commit().await?;
    Ok(key)
}

fn clean_name(name: Option<String>) -> Result<Option<String>> {
    match name.map(|n| n.trim().to_owned()) {
        Some(n) if n.chars().count() > 100 => Err(DomainError::invalid(
            "name",
            "a key name has at most 100 characters",
        )),
        Some(n) if n.is_empty() => Ok(None),
        other => Ok(other),
    }
}
