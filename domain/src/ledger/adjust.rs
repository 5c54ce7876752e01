//! Manual point adjustments (seed 000 s.3): add or remove points with a reason, once per
//! idempotency key.
use super::LedgerKind;
use super::balance::held;
use super::idempotency::{Scope, claim, replay, request_hash};
use super::lots::{credit, debit, lock_member};
use super::plan::{Credit, Debit, DrawFrom};
use crate::limits::{MAX_POINTS, fits_balance, grouped};
use crate::{Ctx, DomainError, Result};
use loyalty_entities::member;
use sea_orm::TransactionTrait;
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

fn validate(input: &AdjustInput) -> Result<()> {
    // `unsigned_abs`: `i64::MIN.abs()` has no i64 value.
    if input.points == 0 || input.points.unsigned_abs() > MAX_ADJUSTMENT.unsigned_abs() {
        return Err(DomainError::invalid(
            "points",
            format!(
                "must be non-zero and at most {} either way",
                grouped(MAX_ADJUSTMENT)
            ),
        ));
    }
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(DomainError::invalid(
            "reason",
            "a reason has 1 to 500 characters",
        ));
    }
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
        let policy = ctx.policies.current(&txn, shop_id).await?;
        policy.require_active()?;
        let reason = Some(input.reason.trim().to_owned());
        let entry_key = Some(format!("adjust:{key}"));
        if input.points > 0 {
            let holds = held(&txn, shop_id, member.id, now).await?;
            fits_balance("points", holds, input.points)?;
            credit(
                &txn,
                shop_id,
                member.id,
                now,
                Credit {
                    kind: LedgerKind::Adjust,
                    points: input.points,
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
                &txn,
                shop_id,
                member.id,
                now,
                Debit {
                    kind: LedgerKind::Adjust,
                    points: -input.points,
                    from: DrawFrom::Available,
                    reason,
                    order_id: None,
                    idempotency_key: entry_key,
                },
            )
            .await?;
        }
        claim(&txn, shop_id, Scope::Adjust, &key, &hash, member.id, now).await?;
    }
    txn.commit().await?;
    Ok(member)
}
