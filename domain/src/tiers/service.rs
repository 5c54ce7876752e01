//! Reading and writing a shop's tier rows. Changing the ladder locks the program row
//! first, so those services are the program's (`program::ladder`).
use super::{Tier, ranking_points};
use crate::money::store_decimal;
use crate::{Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::{member, tier};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
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

/// The shop's tiers by rank, with their thresholds in ranking points at
/// `spend_per_ranking_point` VND each (the program's conversion).
pub async fn ranked<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    spend_per_ranking_point: Decimal,
) -> Result<Vec<Tier>> {
    let mut tiers = rows(conn, shop_id).await?;
    tiers.sort_by_key(|t| t.min_spend);
    for (i, t) in tiers.iter_mut().enumerate() {
        t.rank = i32::try_from(i + 1).unwrap_or(i32::MAX);
        t.min_ranking_points = ranking_points(t.min_spend, spend_per_ranking_point);
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

pub(crate) fn active_model(
    shop_id: Uuid,
    t: &Tier,
    created_at: DateTime<Utc>,
) -> tier::ActiveModel {
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
