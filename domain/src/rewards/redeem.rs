//! Redeeming a reward: the member's points for a voucher of its offer, in one
//! transaction, once per idempotency key, within the reward's tiers and stock.
use super::reward::Reward;
use crate::events::{EventType, emit, payload};
use crate::ledger::LedgerKind;
use crate::ledger::idempotency::{Scope, claim, replay, request_hash};
use crate::ledger::lots::{debit, lock_member};
use crate::ledger::plan::{Debit, DrawFrom};
use crate::offers::Offer;
use crate::vouchers::issue::issue_in;
use crate::vouchers::{Voucher, VoucherSource};
use crate::{Ctx, DomainError, Result};
use loyalty_entities::{offer, reward, voucher};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize)]
struct RedeemRequest {
    member_id: Uuid,
    reward_id: Uuid,
}

/// Spends the reward's points and issues its voucher to the member, in one transaction.
/// A retry with the same key returns the same voucher, and takes no more stock.
///
/// Refused, writing nothing: an unknown reward or member (`NotFound`); an archived
/// reward, a member outside the reward's tiers, a reward out of stock or whose offer
/// was archived (`Conflict`); too few points (`InsufficientPoints`).
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
    let member = lock_member(&txn, shop_id, member_id).await?;
    if let Some(entry) = replay(&txn, shop_id, Scope::Reward, key, &hash).await? {
        let found = voucher::Entity::find()
            .filter(voucher::Column::ShopId.eq(shop_id))
            .filter(voucher::Column::EntryId.eq(entry))
            .one(&txn)
            .await?
            .ok_or_else(|| DomainError::Internal("reward voucher vanished".into()))?;
        crate::audit::record(&txn, shop_id, &[member_id]).await?;
        txn.commit().await?;
        return Ok(Voucher::from_row(found));
    }
    let policy = ctx.policies.current(&txn, shop_id).await?;
    policy.require_active()?;
    policy.require_admitted(member.registered_at.is_some(), "memberId")?;
    let reward = reward::Entity::find_by_id((shop_id, reward_id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("reward not found".into()))
        .and_then(Reward::from_row)?;
    if !reward.active {
        return Err(DomainError::Conflict(format!(
            "reward '{}' is archived",
            reward.name
        )));
    }
    if !reward.open_to(member.tier_id) {
        let names: Vec<&str> = policy
            .tiers
            .iter()
            .filter(|t| reward.tier_ids.contains(&t.id))
            .map(|t| t.name.as_str())
            .collect();
        return Err(DomainError::Conflict(format!(
            "reward '{}' is only for members of the tiers: {}",
            reward.name,
            names.join(", ")
        )));
    }
    if reward.stock == Some(0) {
        return Err(out_of_stock(&reward));
    }
    let offer_row = offer::Entity::find_by_id((shop_id, reward.offer_id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("offer not found".into()))?;
    let offer = Offer::from_row(offer_row)?;
    if !offer.is_active() {
        return Err(DomainError::Conflict(format!(
            "the offer of reward '{}' has ended",
            reward.name
        )));
    }
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
    let reason = format!("reward: {}", reward.name);
    let event = payload::points(
        EventType::PointsRedeemed,
        &member,
        -reward.points_cost,
        Some(&reason),
        None,
    );
    emit(&txn, shop_id, vec![event], now).await?;
    if reward.stock.is_some() {
        take_one(&txn, shop_id, &reward).await?;
    }
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
    crate::audit::record(&txn, shop_id, &[member_id]).await?;
    txn.commit().await?;
    vouchers
        .pop()
        .ok_or_else(|| DomainError::Internal("no voucher issued".into()))
}

/// Takes one redemption from the reward's stock, or refuses when none is left.
///
/// The stock read earlier may be stale: the guarded update is what decides. On
/// PostgreSQL a concurrent redemption's update waits for this transaction's row lock and
/// then sees its result, so redemptions never take more than the stock; it is done
/// after the member's points, so the reward's row stays locked only for the end of the
/// transaction.
async fn take_one<C: ConnectionTrait>(conn: &C, shop_id: Uuid, reward: &Reward) -> Result<()> {
    let taken = reward::Entity::update_many()
        .col_expr(
            reward::Column::Stock,
            Expr::col(reward::Column::Stock).sub(1),
        )
        .filter(reward::Column::ShopId.eq(shop_id))
        .filter(reward::Column::Id.eq(reward.id))
        .filter(reward::Column::Stock.gt(0))
        .exec(conn)
        .await?;
    if taken.rows_affected != 1 {
        return Err(out_of_stock(reward));
    }
    Ok(())
}

fn out_of_stock(reward: &Reward) -> DomainError {
    DomainError::Conflict(format!("reward '{}' is out of stock", reward.name))
}
