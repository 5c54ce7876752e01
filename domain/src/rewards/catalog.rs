//! The reward catalog: adding, changing, archiving and listing rewards.
use super::reward::{CheckedSpec, Reward, RewardSpec, check};
use crate::offers::OfferStatus;
use crate::{Ctx, DomainError, Result, ids::new_id};
use loyalty_entities::{offer, reward, tier};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

/// Adds a reward: `points_cost` points for a voucher of its offer, for the tiers named
/// (every tier when none), while its stock lasts (unlimited when none).
pub async fn create(ctx: &Ctx, shop_id: Uuid, spec: RewardSpec) -> Result<Reward> {
    let spec = check(spec)?;
    let txn = ctx.db.begin().await?;
    check_against_shop(&txn, shop_id, &spec).await?;
    let row = reward::Model {
        shop_id,
        id: new_id(),
        name: spec.name.clone(),
        points_cost: spec.points_cost,
        offer_id: spec.offer_id,
        active: true,
        stock: spec.stock,
        tier_ids: spec.stored_tier_ids(),
        created_at: ctx.clock.now(),
    };
    reward::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    crate::audit::record(&txn, shop_id, &[row.id]).await?;
    txn.commit().await?;
    Reward::from_row(row)
}

/// Replaces a reward's name, cost, offer, stock and tiers; an archived reward stays
/// archived. The stock given is what is left from now on.
pub async fn update(ctx: &Ctx, shop_id: Uuid, id: Uuid, spec: RewardSpec) -> Result<Reward> {
    let spec = check(spec)?;
    let txn = ctx.db.begin().await?;
    let row = find(&txn, shop_id, id).await?;
    check_against_shop(&txn, shop_id, &spec).await?;
    let mut active = row.into_active_model();
    active.name = Set(spec.name.clone());
    active.points_cost = Set(spec.points_cost);
    active.offer_id = Set(spec.offer_id);
    active.stock = Set(spec.stock);
    active.tier_ids = Set(spec.stored_tier_ids());
    let row = active.update(&txn).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Reward::from_row(row)
}

/// Archives a reward: it leaves the catalog and can no longer be redeemed; vouchers
/// already bought with it keep working. Archiving twice changes nothing.
pub async fn archive(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<Reward> {
    let txn = ctx.db.begin().await?;
    let row = find(&txn, shop_id, id).await?;
    let row = if row.active {
        let mut active = row.into_active_model();
        active.active = Set(false);
        active.update(&txn).await?
    } else {
        row
    };
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Reward::from_row(row)
}

/// The shop's rewards, cheapest first: the active ones, or all with `include_archived`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    include_archived: bool,
) -> Result<Vec<Reward>> {
    let mut q = reward::Entity::find().filter(reward::Column::ShopId.eq(shop_id));
    if !include_archived {
        q = q.filter(reward::Column::Active.eq(true));
    }
    q.order_by_asc(reward::Column::PointsCost)
        .order_by_asc(reward::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Reward::from_row)
        .collect()
}

async fn find<C: ConnectionTrait>(conn: &C, shop_id: Uuid, id: Uuid) -> Result<reward::Model> {
    reward::Entity::find_by_id((shop_id, id))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("reward not found".into()))
}

/// The offer must be an active offer of the shop, and every tier a tier of the shop.
async fn check_against_shop<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    spec: &CheckedSpec,
) -> Result<()> {
    let offer = offer::Entity::find_by_id((shop_id, spec.offer_id))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("offer not found".into()))?;
    if offer.status != OfferStatus::Active {
        return Err(DomainError::invalid("offerId", "the offer is archived"));
    }
    if spec.tier_ids.is_empty() {
        return Ok(());
    }
    let known: Vec<Uuid> = tier::Entity::find()
        .select_only()
        .column(tier::Column::Id)
        .filter(tier::Column::ShopId.eq(shop_id))
        .filter(tier::Column::Id.is_in(spec.tier_ids.clone()))
        .into_tuple()
        .all(conn)
        .await?;
    if let Some(unknown) = spec.tier_ids.iter().find(|id| !known.contains(id)) {
        return Err(DomainError::invalid(
            "tierIds",
            format!("'{unknown}' is not a tier of this shop"),
        ));
    }
    Ok(())
}
