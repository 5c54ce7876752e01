//! Refunds: reverse earned points and ranking spend, give back redeemed points, all in
//! proportion to the refunded share of the order, once per refund id.
//!
//! Shares are computed on the running total refunded, so any number of partial refunds
//! that add up to the whole order reverse exactly what the order did, with no rounding
//! drift. Earned points already spent cannot be taken back: that shortfall becomes debt
//! that the member's next credits repay (see `ledger::lots`).
use super::input::RefundInput;
use super::result::{OrderOutcome, load, outcome};
use crate::events::payload::{self, TierChange};
use crate::events::{Event, EventType, emit, subscriptions};
use crate::ledger::LedgerKind;
use crate::ledger::balance::held;
use crate::ledger::idempotency::{Claimed, Scope, claim_first, request_hash, resource_of};
use crate::ledger::lots::{credit_only, debit_only, lock_member};
use crate::ledger::plan::{Credit, Debit, DrawFrom};
use crate::members::Member;
use crate::members::activation::counted_cycle;
use crate::members::profile::{clean_external_id, save_standing_and_points};
use crate::money::vnd_from_decimal;
use crate::offers::usage;
use crate::program::ranking::{add_spend, roll};
use crate::program::tier_events::moved;
use crate::{Ctx, DomainError, Result, ids::new_id, limits};
use loyalty_entities::{ledger_entry, order, refund};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

/// The events a refund can raise; a shop that subscribes to none skips building them.
const REFUND_EVENTS: [EventType; 2] = [EventType::OrderRefunded, EventType::MemberTierChanged];

/// `value × part / whole`, rounded half-up; 0 when `whole` is 0.
pub fn share(value: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    let n = i128::from(value) * i128::from(part) * 2 + i128::from(whole);
    i64::try_from(n / (2 * i128::from(whole))).unwrap_or(i64::MAX)
}

/// Refunds `input.amount` of the order. A retry returns the same outcome; the same
/// refund id with other content is `Conflict`; more than is left to refund is refused.
pub async fn refund(ctx: &Ctx, shop_id: Uuid, input: RefundInput) -> Result<OrderOutcome> {
    let amount = vnd_from_decimal("amount", input.amount)?;
    if amount <= 0 {
        return Err(DomainError::invalid("amount", "must be above 0"));
    }
    let order_key = clean_external_id(&input.order_external_id).map_err(|_| {
        DomainError::invalid("orderExternalId", "an order id has 1 to 100 characters")
    })?;
    let key = clean_external_id(&input.refund_id)
        .map_err(|_| DomainError::invalid("refundId", "a refund id has 1 to 100 characters"))?;
    let hash = request_hash(&input);
    let now = ctx.clock.now();

    let refund_id = new_id();
    let txn = ctx.db.begin().await?;
    // The order's row is locked first: refunds of one order apply one after another,
    // each reading what the one before left to refund.
    let o = order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::Id.in_subquery(resource_of(shop_id, Scope::Order, &order_key)))
        .lock(LockType::Update)
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("order '{order_key}' not found")))?;
    if let Claimed::Replay(_) =
        claim_first(&txn, shop_id, Scope::Refund, &key, &hash, refund_id, now).await?
    {
        let outcome = load(&txn, shop_id, o.id).await?;
        txn.commit().await?;
        return Ok(outcome);
    }
    let mut row = lock_member(&txn, shop_id, o.member_id).await?;
    let left = limits::sub("the amount left to refund", o.total, o.refunded_amount)?;
    if amount > left {
        return Err(DomainError::invalid(
            "amount",
            format!("only {left} VND of order '{order_key}' is left to refund"),
        ));
    }
    let refunded = limits::add("the amount refunded", o.refunded_amount, amount)?;
    let due = |value: i64, done: i64| {
        limits::sub("a refund's share", share(value, refunded, o.total), done)
    };
    let reverse = due(o.points_earned, o.reversed_points)?;
    let mut restore = due(o.points_redeemed, o.restored_points)?;
    let spend = due(o.paid, o.reversed_spend)?;

    let policy = ctx.policies.current(&txn, shop_id).await?;
    let tier_before = row.tier_id;
    if policy.is_active() {
        roll(&policy, &mut row, now);
    }
    let mut events: Vec<Event> = moved(&policy, &row, tier_before, TierChange::CycleRoll)
        .into_iter()
        .collect();
    let tier_rolled = row.tier_id;
    let mut shortfall = 0;
    if reverse > 0 {
        let own_lot = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::ShopId.eq(shop_id))
            .filter(ledger_entry::Column::IdempotencyKey.eq(format!("earn:{order_key}")))
            .one(&txn)
            .await?
            .map(|e| e.id);
        let drawn = debit_only(
            &txn,
            shop_id,
            row.id,
            now,
            Debit {
                kind: LedgerKind::Reverse,
                points: reverse,
                from: DrawFrom::Reversal { own_lot },
                reason: Some(format!("refund {key} of order {order_key}")),
                order_id: Some(o.id),
                idempotency_key: Some(format!("reverse:{key}")),
            },
        )
        .await?;
        shortfall = drawn.shortfall;
    }
    if restore > 0 {
        // Given-back points stay within the balance's bound like any credit; what does not
        // fit is not recorded as restored, so a later refund of the order gives it back.
        let holds = held(&txn, shop_id, row.id, now).await?;
        restore = restore.min(limits::headroom(holds));
    }
    if restore > 0 {
        credit_only(
            &txn,
            shop_id,
            row.id,
            now,
            Credit {
                kind: LedgerKind::Reverse,
                points: restore,
                available_at: now,
                expires_at: policy.expires_at(now),
                reason: Some(format!(
                    "points given back by refund {key} of order {order_key}"
                )),
                order_id: Some(o.id),
                idempotency_key: Some(format!("restore:{key}")),
            },
        )
        .await?;
    }
    if let Some(cycle) = counted_cycle(&txn, &policy, &o).await? {
        add_spend(&policy, &mut row, cycle, -spend);
    }
    row.total_spent = limits::sub("the member's total spent", row.total_spent, spend)?.max(0);
    row.updated_at = now;
    let member = save_standing_and_points(&txn, &row, now).await?;

    let mut updated = o.clone().into_active_model();
    updated.refunded_amount = Set(refunded);
    updated.reversed_points = Set(limits::add("points reversed", o.reversed_points, reverse)?);
    updated.restored_points = Set(limits::add("points restored", o.restored_points, restore)?);
    updated.reversed_spend = Set(limits::add("spend reversed", o.reversed_spend, spend)?);
    let o = updated.update(&txn).await?;
    if o.refunded_amount >= o.total {
        // Refunded in full: the uses it counted against offers' limits come back.
        usage::give_back(&txn, shop_id, o.id).await?;
    }
    let stored = refund::Model {
        shop_id,
        id: refund_id,
        order_id: o.id,
        refund_key: key.clone(),
        amount,
        points_reversed: reverse,
        points_restored: restore,
        spend_reversed: spend,
        debt_added: shortfall,
        created_at: now,
    };
    refund::Entity::insert(stored.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    if subscriptions::wants(&txn, shop_id, &REFUND_EVENTS).await? {
        events.push(payload::order_refunded(&o, &stored, &member));
        events.extend(moved(&policy, &member, tier_rolled, TierChange::Refund));
        emit(&txn, shop_id, events, now).await?;
    }
    crate::audit::record(&txn, shop_id, &[o.id, stored.id, member.id]).await?;
    txn.commit().await?;
    outcome(o, Member::from_row(member)?)
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn shares_add_up_to_the_whole() {
        assert_eq!(share(100, 1, 3), 33);
        assert_eq!(share(100, 2, 3), 67);
        assert_eq!(share(100, 3, 3), 100);
        assert_eq!(share(5, 1, 2), 3, "half rounds up");
        assert_eq!(share(7, 0, 10), 0);
        assert_eq!(share(7, 5, 0), 0);
    }
}
