//! Manual point adjustments (seed 000 s.3): add or remove points with a reason, once per
//! idempotency key.
use super::LedgerKind;
use super::balance::held;
use super::idempotency::{Scope, claim, replay, request_hash};
use super::lots::{credit, debit, lock_member};
use super::plan::{Credit, Debit, DrawFrom};
use crate::events::{EventType, emit, payload, subscriptions};
use crate::limits::{MAX_POINTS, fits_balance, grouped};
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::member;
use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
use serde::Serialize;
use uuid::Uuid;

/// Largest adjustment in one call, either way.
pub const MAX_ADJUSTMENT: i64 = MAX_POINTS;

/// A manual adjustment.
#[derive(Debug, Clone, Serialize)]
pub struct AdjustInput {
    /// The member.
    pub member_id: Uuid,
    /// Signed: positive adds, negative removes.
    pub points: i64,
    /// Why, shown in the ledger.
    pub reason: String,
    /// Applied once per key.
    #[serde(skip)]
    pub idempotency_key: String,
}

/// Refuses a zero or oversized amount and an empty or overlong reason (a one-off
/// adjustment and a bulk one obey the same bounds).
pub fn validate_change(points: i64, reason: &str) -> Result<()> {
    // `unsigned_abs`: `i64::MIN.abs()` has no i64 value.
    if points == 0 || points.unsigned_abs() > MAX_ADJUSTMENT.unsigned_abs() {
        return Err(DomainError::invalid(
            "points",
            format!(
                "must be non-zero and at most {} either way",
                grouped(MAX_ADJUSTMENT)
            ),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(DomainError::invalid(
            "reason",
            "a reason has 1 to 500 characters",
        ));
    }
    Ok(())
}

fn validate(input: &AdjustInput) -> Result<()> {
    validate_change(input.points, &input.reason)?;
    let key = input.idempotency_key.trim();
    if key.is_empty() || key.chars().count() > 200 {
        return Err(DomainError::invalid(
            "idempotencyKey",
            "an idempotency key has 1 to 200 characters",
        ));
    }
    Ok(())
}

/// Applies the adjustment once; a retry returns the member as it is now. Removing more
/// than is available is `InsufficientPoints`; adding more than the balance may hold
/// ([`MAX_POINTS`] available and pending) is refused. Answers the member's row as locked
/// (the ledger sits below `members`, which reads it as a `Member`).
pub async fn adjust(ctx: &Ctx, shop_id: Uuid, input: AdjustInput) -> Result<member::Model> {
    validate(&input)?;
    let hash = request_hash(&input);
    let key = input.idempotency_key.trim().to_owned();
    let txn = ctx.db.begin().await?;
    let now = ctx.clock.now();
    let member = lock_member(&txn, shop_id, input.member_id).await?;
    if replay(&txn, shop_id, Scope::Adjust, &key, &hash)
        .await?
        .is_none()
    {
        apply_in(
            ctx,
            &txn,
            shop_id,
            member.id,
            input.points,
            &input.reason,
            format!("adjust:{key}"),
            now,
        )
        .await?;
        claim(&txn, shop_id, Scope::Adjust, &key, &hash, member.id, now).await?;
    }
    crate::audit::record(&txn, shop_id, &[member.id]).await?;
    txn.commit().await?;
    Ok(member)
}

/// Writes one adjustment of a member already locked by the caller, inside the caller's
/// transaction, under the ledger entry key `entry_key` (unique per shop, so the same
/// change can never be written twice). The rules of [`adjust`] apply; the caller has
/// checked the amount and reason with [`validate_change`].
#[allow(clippy::too_many_arguments)]
pub async fn apply_in<C: ConnectionTrait>(
    ctx: &Ctx,
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    points: i64,
    reason: &str,
    entry_key: String,
    now: DateTime<Utc>,
) -> Result<()> {
    let policy = ctx.policies.current(conn, shop_id).await?;
    policy.require_active()?;
    let why = reason.trim();
    let reason = Some(why.to_owned());
    let entry_key = Some(entry_key);
    if points > 0 {
        let holds = held(conn, shop_id, member_id, now).await?;
        fits_balance("points", holds, points)?;
        credit(
            conn,
            shop_id,
            member_id,
            now,
            Credit {
                kind: LedgerKind::Adjust,
                points,
                available_at: now,
                expires_at: policy.expires_at(now),
                reason,
                order_id: None,
                idempotency_key: entry_key,
            },
        )
        .await?;
    } else {
        debit(
            conn,
            shop_id,
            member_id,
            now,
            Debit {
                kind: LedgerKind::Adjust,
                points: -points,
                from: DrawFrom::Available,
                reason,
                order_id: None,
                idempotency_key: entry_key,
            },
        )
        .await?;
    }
    if subscriptions::wants(conn, shop_id, &[EventType::PointsAdjusted]).await? {
        let row = member::Entity::find_by_id((shop_id, member_id))
            .one(conn)
            .await?
            .ok_or_else(|| DomainError::NotFound("member not found".into()))?;
        let event = payload::points(EventType::PointsAdjusted, &row, points, Some(why), None);
        emit(conn, shop_id, vec![event], now).await?;
    }
    Ok(())
}
