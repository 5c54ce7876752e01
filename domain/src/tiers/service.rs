//! Reading and changing a shop's tiers. Every change runs in one transaction that first
//! locks the program row, so two admins editing tiers at once cannot break the ladder.
use super::validation::{validate, within_ranking_bound};
use super::{Tier, TierInput, recompute_all};
use crate::money::store_decimal;
use crate::program::{Program, load_for_update};
use crate::{Ctx, DomainError, Result, ids::new_id, program};
use chrono::{DateTime, Utc};
use loyalty_entities::{member, tier};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use std::collections::HashMap;
use uuid::Uuid;

/// The four tiers every shop starts with (seed 001), thresholds in VND.
pub const DEFAULT_TIERS: [(&str, i64); 4] = [
    ("Member", 0),
    ("Silver", 2_000_000),
    ("Gold", 5_000_000),
    ("Platinum", 10_000_000),
];

/// The shop's tiers as stored, without rank or counts.
pub(crate) async fn rows<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Vec<Tier>> {
    tier::Entity::find()
        .filter(tier::Column::ShopId.eq(shop_id))
        .all(conn)
        .await?
        .iter()
        .map(Tier::from_row)
        .collect()
}

/// The shop's tiers by rank, with their ranking-point thresholds.
pub async fn list<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Vec<Tier>> {
    let program = program::load(conn, shop_id).await?;
    list_for(conn, &program).await
}

/// The tiers of `program`'s shop by rank, with their thresholds under `program`.
pub async fn list_for<C: ConnectionTrait>(conn: &C, program: &Program) -> Result<Vec<Tier>> {
    let mut tiers = rows(conn, program.shop_id).await?;
    tiers.sort_by_key(|t| t.min_spend);
    for (i, t) in tiers.iter_mut().enumerate() {
        t.rank = i32::try_from(i + 1).unwrap_or(i32::MAX);
        t.min_ranking_points = program.ranking_points(t.min_spend);
    }
    Ok(tiers)
}

/// Members per tier of the shop, in one grouped query.
pub async fn member_counts<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
) -> Result<HashMap<Uuid, i64>> {
    let counts: Vec<(Option<Uuid>, i64)> = member::Entity::find()
        .select_only()
        .column(member::Column::TierId)
        .column_as(member::Column::Id.count(), "n")
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::TierId.is_not_null())
        .group_by(member::Column::TierId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(counts
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect())
}

async fn reload(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Tier> {
    list(&ctx.db, shop_id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| DomainError::NotFound("tier not found".into()))
}

fn active_model(shop_id: Uuid, t: &Tier, created_at: DateTime<Utc>) -> tier::ActiveModel {
    tier::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(t.id),
        name: Set(t.name.clone()),
        min_spend: Set(t.min_spend),
        discount_percent: Set(store_decimal(t.discount_percent)),
        discount_cap: Set(t.discount_cap),
        point_multiplier: Set(store_decimal(t.point_multiplier)),
        redeem_cap: Set(t.redeem_cap),
        combines_with_promotions: Set(t.combines_with_promotions),
        is_initial: Set(t.is_initial),
        created_at: Set(created_at),
    }
}

/// Inserts the default ladder for a new shop.
pub async fn insert_defaults<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    for (name, min_spend) in DEFAULT_TIERS {
        let t = Tier::plain(new_id(), name, min_spend, min_spend == 0);
        tier::Entity::insert(active_model(shop_id, &t, now))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Adds a tier; members who reach it move up at once when the program is active.
pub async fn create(ctx: &Ctx, shop_id: Uuid, input: TierInput) -> Result<Tier> {
    let txn = ctx.db.begin().await?;
    let program = load_for_update(&txn, shop_id).await?;
    let others = rows(&txn, shop_id).await?;
    let mut t = validate(&input, None, &others)?;
    within_ranking_bound("minSpend", t.min_spend, &program)?;
    t.id = new_id();
    tier::Entity::insert(active_model(shop_id, &t, ctx.clock.now()))
        .exec_without_returning(&txn)
        .await?;
    recompute_all(&txn, &program).await?;
    txn.commit().await?;
    ctx.policies.forget(shop_id);
    reload(ctx, shop_id, t.id).await
}

/// Changes a tier; members are re-ranked when the program is active.
pub async fn update(ctx: &Ctx, shop_id: Uuid, id: Uuid, input: TierInput) -> Result<Tier> {
    let txn = ctx.db.begin().await?;
    let program = load_for_update(&txn, shop_id).await?;
    let all = rows(&txn, shop_id).await?;
    let current = all
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| DomainError::NotFound("tier not found".into()))?;
    let others: Vec<Tier> = all.iter().filter(|t| t.id != id).cloned().collect();
    let next = validate(&input, Some(current), &others)?;
    within_ranking_bound("minSpend", next.min_spend, &program)?;
    let stored = tier::Entity::find_by_id((shop_id, id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("tier not found".into()))?;
    tier::Entity::update(active_model(shop_id, &next, stored.created_at))
        .exec(&txn)
        .await?;
    recompute_all(&txn, &program).await?;
    txn.commit().await?;
    ctx.policies.forget(shop_id);
    reload(ctx, shop_id, id).await
}

/// Deletes an unused tier; the initial tier and tiers with members stay.
pub async fn delete(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<bool> {
    let txn = ctx.db.begin().await?;
    load_for_update(&txn, shop_id).await?;
    let stored = tier::Entity::find_by_id((shop_id, id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("tier not found".into()))?;
    if stored.is_initial {
        return Err(DomainError::invalid(
            "id",
            "the initial tier cannot be deleted",
        ));
    }
    let members = member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::TierId.eq(id))
        .count(&txn)
        .await?;
    if members > 0 {
        return Err(DomainError::Conflict(format!(
            "tier '{}' has {members} members and cannot be deleted",
            stored.name
        )));
    }
    tier::Entity::delete_by_id((shop_id, id)).exec(&txn).await?;
    txn.commit().await?;
    ctx.policies.forget(shop_id);
    Ok(true)
}
