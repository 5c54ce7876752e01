//! Creating member sessions, authenticating their tokens and revoking them.
use super::token;
use crate::access::cache::Lookup;
use crate::members::profile;
use crate::{Ctx, DomainError, Result, ids::new_id};
use chrono::{DateTime, TimeDelta, Utc};
use loyalty_entities::member_session;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use std::sync::Arc;
use uuid::Uuid;

/// A session's life when the caller does not say.
pub const DEFAULT_TTL_MINUTES: i64 = 60;

/// The longest session: a day. A customer's browser holds the token, so it must not
/// outlive a working day of a shared computer.
pub const MAX_TTL_MINUTES: i64 = 1_440;

/// An authenticated member token: the one member (and its shop) it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberPrincipal {
    /// The member's shop.
    pub shop_id: Uuid,
    /// The member.
    pub member_id: Uuid,
    /// The session that authenticated.
    pub session_id: Uuid,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

/// A session as created: the token is returned this once.
#[derive(Debug, Clone)]
pub struct CreatedSession {
    /// The token to hand to the member's browser.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// The member it sees.
    pub member_id: Uuid,
}

/// Creates a session for the shop's member of `external_id`, lasting `ttl_minutes`
/// (default [`DEFAULT_TTL_MINUTES`], 1 to [`MAX_TTL_MINUTES`]). The member's expired
/// sessions are deleted in the same transaction, so the table holds about one window of
/// sessions per member however long the shop runs. A member id unknown to the shop is
/// `InvalidInput` on `memberExternalId`: a session never creates a customer.
pub async fn create(
    ctx: &Ctx,
    shop_id: Uuid,
    external_id: &str,
    ttl_minutes: Option<i64>,
) -> Result<CreatedSession> {
    let ttl = ttl_minutes.unwrap_or(DEFAULT_TTL_MINUTES);
    if !(1..=MAX_TTL_MINUTES).contains(&ttl) {
        return Err(DomainError::invalid(
            "ttlMinutes",
            format!("a session lasts 1 to {MAX_TTL_MINUTES} minutes"),
        ));
    }
    let external_id = profile::clean_external_id(external_id).map_err(|_| {
        DomainError::invalid("memberExternalId", "an external id has 1 to 100 characters")
    })?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let member = profile::by_external_id(&txn, shop_id, &external_id)
        .await?
        .ok_or_else(|| {
            DomainError::invalid(
                "memberExternalId",
                "the shop has no member of this external id",
            )
        })?;
    member_session::Entity::delete_many()
        .filter(member_session::Column::ShopId.eq(shop_id))
        .filter(member_session::Column::MemberId.eq(member.id))
        .filter(member_session::Column::ExpiresAt.lte(now))
        .exec(&txn)
        .await?;
    let token = token::generate(shop_id);
    let expires_at = now + TimeDelta::minutes(ttl);
    member_session::Entity::insert(member_session::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(new_id()),
        member_id: Set(member.id),
        token_hash: Set(token.hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Ok(CreatedSession {
        token: token.plaintext,
        expires_at,
        member_id: member.id,
    })
}

/// Looks up a presented member token: an unknown, malformed, revoked or expired one is
/// `Unauthenticated`; a lookup the database failed is `Db`. Like API keys, tokens that
/// authenticated are kept in `ctx.member_sessions` for the key cache time, their expiry
/// checked on every use.
pub async fn authenticate(ctx: &Ctx, presented: &str) -> Result<MemberPrincipal> {
    let shop_id = token::shop_of(presented).ok_or(DomainError::Unauthenticated)?;
    let hash = token::hash(presented);
    let principal = ctx
        .member_sessions
        .get_or_load(&hash, look_up(ctx, shop_id, &hash))
        .await
        .map_err(|e| match &*e {
            DomainError::Db(e) => DomainError::Db(DbErr::Custom(format!("session lookup: {e}"))),
            other => DomainError::Internal(format!("session lookup: {other}")),
        })?
        .ok_or(DomainError::Unauthenticated)?;
    if principal.expires_at <= ctx.clock.now() {
        return Err(DomainError::Unauthenticated);
    }
    Ok(principal)
}

async fn look_up(ctx: &Ctx, shop_id: Uuid, hash: &str) -> Lookup<MemberPrincipal> {
    let row = member_session::Entity::find()
        .filter(member_session::Column::ShopId.eq(shop_id))
        .filter(member_session::Column::TokenHash.eq(hash))
        .one(&ctx.db)
        .await
        .map_err(|e| Arc::new(DomainError::from(e)))?;
    Ok(row
        .filter(|r| r.revoked_at.is_none())
        .map(|r| MemberPrincipal {
            shop_id,
            member_id: r.member_id,
            session_id: r.id,
            expires_at: r.expires_at,
        }))
}

/// Revokes every unexpired session of the shop's member `member_id` and returns how
/// many: they stop working at once on this replica and within the key cache time
/// (`LOYALTY_KEY_CACHE_MS`) on the others. A member the shop does not have is
/// `InvalidInput` on `memberId`.
pub async fn revoke_all(ctx: &Ctx, shop_id: Uuid, member_id: Uuid) -> Result<u64> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    profile::by_id(&txn, shop_id, member_id)
        .await?
        .ok_or_else(|| DomainError::invalid("memberId", "the shop has no member of this id"))?;
    let hashes: Vec<String> = member_session::Entity::find()
        .select_only()
        .column(member_session::Column::TokenHash)
        .filter(member_session::Column::ShopId.eq(shop_id))
        .filter(member_session::Column::MemberId.eq(member_id))
        .filter(member_session::Column::ExpiresAt.gt(now))
        .filter(member_session::Column::RevokedAt.is_null())
        .into_tuple()
        .all(&txn)
        .await?;
    member_session::Entity::update_many()
        .col_expr(member_session::Column::RevokedAt, Expr::value(now))
        .filter(member_session::Column::ShopId.eq(shop_id))
        .filter(member_session::Column::MemberId.eq(member_id))
        .filter(member_session::Column::ExpiresAt.gt(now))
        .filter(member_session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    for hash in &hashes {
        ctx.member_sessions.forget(hash);
    }
    Ok(hashes.len() as u64)
}
