//! Turning customers into registered members, by hand or in bulk.
use super::profile::{apply_reached_tier, save_standing};
use crate::events::{EventType, emit, payload, subscriptions};
use crate::program::Policy;
use crate::program::tier_events::tier_ref;
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::member;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// Most ids one call may register.
pub const MAX_BATCH: usize = 1000;

/// Registers the given customers of the shop; returns how many were newly registered.
/// Every id must name a customer of the shop, or nothing is changed. Each newly
/// registered customer is at the tier its ranking spend reached when this commits.
pub async fn register(ctx: &Ctx, shop_id: Uuid, ids: &[Uuid]) -> Result<u64> {
    if ids.len() > MAX_BATCH {
        return Err(DomainError::LimitExceeded(format!(
            "at most {MAX_BATCH} ids per call"
        )));
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let txn = ctx.db.begin().await?;
    let found = member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::Id.is_in(ids.clone()))
        .count(&txn)
        .await?;
    if found != ids.len() as u64 {
        return Err(DomainError::NotFound(format!(
            "{} of the {} ids are not customers of this shop",
            ids.len() as u64 - found,
            ids.len()
        )));
    }
    let now = ctx.clock.now();
    let policy = ctx.policies.current(&txn, shop_id).await?;
    let n = register_in(&txn, &policy, shop_id, &ids, now).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Ok(n)
}

/// Registers those of `ids` not yet registered, inside the caller's transaction; returns
/// how many were newly registered. The caller has checked that the ids are the shop's.
/// Under an active program, the tier each one's ranking spend reached applies from this
/// transaction on.
pub async fn register_in<C: ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    shop_id: Uuid,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<u64> {
    if policy.is_active() {
        let joining = member::Entity::find()
            .filter(member::Column::ShopId.eq(shop_id))
            .filter(member::Column::Id.is_in(ids.to_vec()))
            .filter(member::Column::RegisteredAt.is_null())
            .order_by_asc(member::Column::Id)
            .lock_exclusive()
            .all(conn)
            .await?;
        for mut row in joining {
            if apply_reached_tier(policy, &mut row, now) {
                row.updated_at = now;
                save_standing(conn, &row).await?;
            }
        }
    }
    let announce = subscriptions::wants(conn, shop_id, &[EventType::MemberRegistered]).await?;
    let joining = if announce {
        member::Entity::find()
            .filter(member::Column::ShopId.eq(shop_id))
            .filter(member::Column::Id.is_in(ids.to_vec()))
            .filter(member::Column::RegisteredAt.is_null())
            .order_by_asc(member::Column::Id)
            .all(conn)
            .await?
    } else {
        Vec::new()
    };
    let result = member::Entity::update_many()
        .col_expr(member::Column::RegisteredAt, Expr::value(now))
        .col_expr(member::Column::UpdatedAt, Expr::value(now))
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::Id.is_in(ids.to_vec()))
        .filter(member::Column::RegisteredAt.is_null())
        .exec(conn)
        .await?;
    let events = joining
        .iter()
        .map(|row| {
            let row = member::Model {
                registered_at: Some(now),
                ..row.clone()
            };
            payload::member_registered(&row, now, &tier_ref(policy, row.tier_id))
        })
        .collect();
    emit(conn, shop_id, events, now).await?;
    Ok(result.rows_affected)
}
