//! A shop's keys as its ADMIN manages them: listed without their secrets, and revoked,
//! which frees a place under the shop's cap on active keys.
use super::Role;
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::{api_key, shop};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// A key as its shop sees it: never its secret, which is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key's id.
    pub id: Uuid,
    /// The name given when it was created.
    pub name: Option<String>,
    /// What it may do.
    pub role: Role,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; `None` while it works.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Its first characters, never the secret (see [`keys::generate`](super::keys)).
    pub prefix: String,
    /// When it last authenticated, to within a minute; `None` if never.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl KeyInfo {
    fn from_row(row: api_key::Model) -> Result<Self> {
        Ok(Self {
            id: row.id,
            name: row.name,
            role: Role::parse(&row.role)?,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
            prefix: row
                .prefix
                .unwrap_or_else(|| format!("{}…", super::keys::shop_part(row.shop_id))),
            last_used_at: row.last_used_at,
        })
    }
}

/// The shop's active (unrevoked) keys, oldest first. At most the shop's cap on keys,
/// unless the cap was lowered after they were made.
pub async fn list_keys<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Vec<KeyInfo>> {
    api_key::Entity::find()
        .filter(api_key::Column::ShopId.eq(shop_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .order_by_asc(api_key::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(KeyInfo::from_row)
        .collect()
}

/// Revokes the shop's key `key_id`: it stops authenticating at once on this replica and
/// within the key cache time (`LOYALTY_KEY_CACHE_MS`) on the others. Revoking a revoked
/// key changes nothing. The shop's last active ADMIN key cannot be revoked (`Conflict`):
/// nobody could then manage the shop. Under the shop's row lock, like
/// [`create_api_key`](super::create_api_key), so two revocations cannot each leave the
/// other's key as the last ADMIN.
pub async fn revoke_api_key(ctx: &Ctx, shop_id: Uuid, key_id: Uuid) -> Result<KeyInfo> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    shop::Entity::find_by_id(shop_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("shop not found".into()))?;
    let row = api_key::Entity::find_by_id((shop_id, key_id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("API key not found".into()))?;
    if row.revoked_at.is_some() {
        return KeyInfo::from_row(row);
    }
    if Role::parse(&row.role)? == Role::Admin {
        let admins = api_key::Entity::find()
            .filter(api_key::Column::ShopId.eq(shop_id))
            .filter(api_key::Column::RevokedAt.is_null())
            .filter(api_key::Column::Role.eq(Role::Admin.as_str()))
            .count(&txn)
            .await?;
        if admins <= 1 {
            return Err(DomainError::Conflict(
                "the shop's last ADMIN key cannot be revoked; create another ADMIN key first"
                    .into(),
            ));
        }
    }
    api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(now))
        .filter(api_key::Column::ShopId.eq(shop_id))
        .filter(api_key::Column::Id.eq(key_id))
        .exec(&txn)
        .await?;
    crate::audit::record(&txn, shop_id, &[key_id]).await?;
    txn.commit().await?;
    ctx.keys.forget(&row.key_hash);
    let mut info = KeyInfo::from_row(row)?;
    info.revoked_at = Some(now);
    Ok(info)
}
