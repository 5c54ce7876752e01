//! The reward catalog (seed 000 s.2): members exchange points for a voucher of an offer,
//! in one transaction, once per idempotency key.
use crate::ledger::LedgerKind;
use crate::ledger::idempotency::{Scope, claim, replay, request_hash};
use crate::ledger::lots::{debit, lock_member};
use crate::ledger::plan::{Debit, DrawFrom};
use crate::offers::{Offer, OfferStatus};
use crate::vouchers::issue::issue_in;
use crate::vouchers::{Voucher, VoucherSource};
use crate::{Ctx, DomainError, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::{offer, reward, voucher};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

/// A catalog item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reward {
    /// Its id.
    pub id: Uuid,
    /// Name shown to members.
    pub name: String,
    /// Points it costs.
    pub points_cost: i64,
    /// The offer its voucher is of.
    pub offer_id: Uuid,
    /// Still offered.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl Reward {
    fn from_row(r: reward::Model) -> Self {
        Self {
            id: r.id,
            name: r.name,
            points_cost: r.points_cost,
            offer_id: r.offer_id,
            active: r.active,
            created_at: r.created_at,
        }
    }
}

/// Adds a reward: `points_cost` points for a voucher of `offer_id`.
pub async fn create(
    ctx: &Ctx,
    shop_id: Uuid,
    name: &str,
    points_cost: i64,
    offer_id: Uuid,
) -> Result<Reward> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(DomainError::invalid(
            "name",
            "a reward name has 1 to 200 characters",
        ));
    }
    if !(1..=1_000_000_000).contains(&points_cost) {
        return Err(DomainError::invalid(
            "pointsCost",
            "must be between 1 and 1,000,000,000",
        ));
    }
    let offer = offer::Entity::find_by_id((shop_id, offer_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| DomainError::NotFound("offer not found".into()))?;
    if offer.status != OfferStatus::Active {
        return Err(DomainError::invalid("offerId", "the offer is archived"));
    }
    let row = reward::Model {
        shop_id,
        id: new_id(),
        name: name.to_owned(),
        points_cost,
        offer_id,
        active: true,
        created_at: ctx.clock.now(),
    };
    reward::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&ctx.db)
        .await?;
    Ok(Reward::from_row(row))
}

/// The shop's active rewards.
pub async fn list<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Vec<Reward>> {
    Ok(reward::Entity::find()
        .filter(reward::Column::ShopId.eq(shop_id))
        .filter(reward::Column::Active.eq(true))
        .order_by_asc(reward::Column::PointsCost)
        .all(conn)
        .await?
        .into_iter()
        .map(Reward::from_row)
        .collect())
}

#[derive(Serialize)]
struct RedeemRequest {
    member_id: Uuid,
    reward_id: Uuid,
}

/// Spends the reward's points and issues its voucher to the member, in one transaction.
/// A retry with the same key returns the same voucher.
pub async fn redeem(
    ctx: &Ctx,
    shop_id: Uuid,
    member_id: Uuid,
    reward_id: Uuid,
    key: &str,
) -> Result<Voucher> {
    let key = key.trim();
    if key.is_empty() || key.chars().count() > 200 {
        return Err(DomainError::invalid(
            "idempotencyKey",
            "an idempotency key has 1 to 200 characters",
        ));
    }
    let hash = request_hash(&RedeemRequest {
        member_id,
        reward_id,
    });
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let customer = lock_member(&txn, shop_id, member_id).await?;
    if let Some(entry) = replay(&txn, shop_id, Scope::Reward, key, &hash).await? {
        let found = voucher::Entity::find()
            .filter(voucher::Column::ShopId.eq(shop_id))
            .filter(voucher::Column::EntryId.eq(entry))
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::Internal("reward voucher vanished".into()))?;
        txn.commit().await?;
        return Ok(Voucher::from_row(found));
    }
    let policy = ctx.policies.current(&txn, shop_id).await?;
    policy.require_active()?;
    policy.require_admitted(customer.registered_at.is_some(), "memberId")?;
    let reward = reward::Entity::find_by_id((shop_id, reward_id))
        .one(&txn)
        .await?
        .filter(|r| r.active)
        .ok_or_else(|| DomainError::NotFound("reward not found".into()))?;
    let offer_row = offer::Entity::find_by_id((shop_id, reward.offer_id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("offer not found".into()))?;
    let offer = Offer::from_row(offer_row)?;
    let drawn = debit(
        &txn,
        shop_id,
        member_id,
        now,
        Debit {
            kind: LedgerKind::Reward,
            points: reward.points_cost,
            from: DrawFrom::Available,
            reason: Some(format!("reward: {}", reward.name)),
            order_id: None,
            idempotency_key: Some(format!("reward:{key}")),
        },
    )
    .await?;
    let entry = drawn
        .entry_id
        .ok_or_else(|| DomainError::Internal("a reward debit wrote no entry".into()))?;
    let mut vouchers = issue_in(
        &txn,
        shop_id,
        &offer,
        &[member_id],
        VoucherSource::Reward,
        Some(entry),
        now,
    )
    .await?;
    claim(&txn, shop_id, Scope::Reward, key, &hash, entry, now).await?;
    txn.commit().await?;
    vouchers
        .pop()
        .ok_or_else(|| DomainError::Internal("no voucher issued".into()))
}
