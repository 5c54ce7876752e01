//! Recording an order: price it, redeem, earn, update stats and tier, once per external id.
use super::input::{CleanLine, OrderInput, validate};
use super::result::{OrderOutcome, load, outcome};
use crate::checkout::pipeline::{PipelineInput, Source, run};
use crate::ledger::LedgerKind;
use crate::ledger::earning::points_for;
use crate::ledger::idempotency::{Claimed, Scope, claim_first, request_hash};
use crate::ledger::lots::{
    Credit, Debit, DrawFrom, credit_only, debit_only, lock_member_by_external_id,
};
use crate::ledger::policy::Policy;
use crate::ledger::policy_cache::PolicyCache;
use crate::members::Member;
use crate::members::profile::{blank_row, save_standing_and_points};
use crate::tiers::ranking::{add_spend, roll};
use crate::vouchers::lookup::present;
use crate::{Ctx, DomainError, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::{member, order, order_discount, order_line, voucher};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    SqlErr, TransactionTrait,
};
use uuid::Uuid;

/// Records an order. A retry with the same content returns the first result and changes
/// nothing; the same external id with other content is `Conflict`. Redeeming more points
/// than are available is `InsufficientPoints`, and then nothing of the order is written.
pub async fn record(ctx: &Ctx, shop_id: Uuid, input: OrderInput) -> Result<OrderOutcome> {
    let now = ctx.clock.now();
    let lines = validate(&input, now)?;
    let hash = request_hash(&input);
    // Two attempts: concurrent first orders of a new customer race to insert it, and
    // the loser's second attempt finds the winner's row. (Concurrent retries of one
    // order do not race: the second waits on the first's claim of the key.)
    for attempt in 0..2 {
        let txn = ctx.db.begin().await?;
        match attempt_record(&txn, &ctx.policies, shop_id, &input, &lines, &hash, now).await {
            Ok(outcome) => {
                txn.commit().await?;
                return Ok(outcome);
            }
            Err(DomainError::Db(e))
                if attempt == 0
                    && matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                txn.rollback().await?;
            }
            Err(e) => return Err(e),
        }
    }
    Err(DomainError::Conflict(format!(
        "order '{}' is being recorded concurrently; retry",
        input.external_id
    )))
}

/// The customer's row, locked: found by external id, or new (in the initial tier when
/// the program is active) and then unseen by others until the commit.
async fn locked_member(
    txn: &DatabaseTransaction,
    policy: &Policy,
    external_id: &str,
    now: DateTime<Utc>,
) -> Result<member::Model> {
    let shop_id = policy.shop.id;
    if let Some(row) = lock_member_by_external_id(txn, shop_id, external_id).await? {
        return Ok(row);
    }
    let tier = if policy.is_active() {
        policy.tier_for(0).map(|t| t.id)
    } else {
        None
    };
    let row = blank_row(shop_id, external_id, now, tier);
    member::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;
    Ok(row)
}

#[allow(clippy::too_many_arguments)]
async fn attempt_record(
    txn: &DatabaseTransaction,
    policies: &PolicyCache,
    shop_id: Uuid,
    input: &OrderInput,
    lines: &[CleanLine],
    hash: &str,
    now: DateTime<Utc>,
) -> Result<OrderOutcome> {
    let key = input.external_id.trim();
    let order_id = new_id();
    // The key first: a retry, even a concurrent one, replays the first result.
    if let Claimed::Replay(id) =
        claim_first(txn, shop_id, Scope::Order, key, hash, order_id, now).await?
    {
        return load(txn, shop_id, id).await;
    }
    let policy = policies.current(txn, shop_id).await?;
    if input.redeem_points > 0 {
        policy.require_active()?;
    }
    let mut row = locked_member(txn, &policy, input.member_external_id.trim(), now).await?;
    let member_id = row.id;
    if policy.is_active() {
        roll(&policy, &mut row, now);
    }
    let tier = policy.tier(row.tier_id).cloned();
    let (vouchers, refused) =
        present(txn, shop_id, &input.voucher_codes, Some(member_id), now).await?;
    if let Some((code, refusal)) = refused.first() {
        return Err(refusal.error(code));
    }
    let priced = run(&PipelineInput {
        lines,
        tier: tier.as_ref(),
        vouchers: &vouchers,
        redeem_points: input.redeem_points,
        per_thousand: policy.program.points_per_thousand_vnd,
    });
    // A voucher whose condition fails is refused; one set aside by the stacking policy
    // (the tier discount gave more) stays unused in the customer's wallet.
    if let Some(s) = priced
        .skipped
        .iter()
        .find(|s| !s.by_policy && s.source.starts_with("VOUCHER:"))
    {
        return Err(DomainError::invalid(
            "voucherCodes",
            format!("{}: {}", s.source.trim_start_matches("VOUCHER:"), s.reason),
        ));
    }
    let placed_at = input.placed_at.unwrap_or(now);

    if priced.points_redeemed > 0 {
        debit_only(
            txn,
            shop_id,
            member_id,
            now,
            Debit {
                kind: LedgerKind::Redeem,
                points: priced.points_redeemed,
                from: DrawFrom::Available,
                reason: Some(format!("paid part of order {key}")),
                order_id: Some(order_id),
                idempotency_key: Some(format!("redeem:{key}")),
            },
        )
        .await?;
    }
    let earned = match (&tier, policy.is_active()) {
        (Some(t), true) => points_for(priced.paid, &policy.program, t.point_multiplier),
        _ => 0,
    };
    if earned > 0 {
        credit_only(
            txn,
            shop_id,
            member_id,
            now,
            Credit {
                kind: LedgerKind::Earn,
                points: earned,
                available_at: policy.available_at(now),
                expires_at: policy.expires_at(now),
                reason: Some(format!("order {key}")),
                order_id: Some(order_id),
                idempotency_key: Some(format!("earn:{key}")),
            },
        )
        .await?;
    }

    let mut discounts = Vec::with_capacity(priced.applied.len());
    for (seq, applied) in priced.applied.iter().enumerate() {
        let (source, offer_id, code) = match &applied.source {
            Source::Tier => ("TIER", None, None),
            Source::Voucher { code, offer_id } => ("VOUCHER", Some(*offer_id), Some(code.clone())),
            Source::Points => ("POINTS", None, None),
        };
        if let Some(code) = &code {
            // Guarded: of two orders racing for one voucher, exactly one marks it.
            let marked = voucher::Entity::update_many()
                .col_expr(voucher::Column::UsedAt, Expr::value(now))
                .col_expr(voucher::Column::OrderId, Expr::value(order_id))
                .filter(voucher::Column::ShopId.eq(shop_id))
                .filter(voucher::Column::Code.eq(code.as_str()))
                .filter(voucher::Column::UsedAt.is_null())
                .exec(txn)
                .await?;
            if marked.rows_affected != 1 {
                return Err(DomainError::Conflict(format!(
                    "voucher {code}: this voucher was already used"
                )));
            }
        }
        discounts.push(order_discount::ActiveModel {
            shop_id: Set(shop_id),
            order_id: Set(order_id),
            seq: Set(seq as i64),
            source: Set(source.to_owned()),
            label: Set(applied.label.clone()),
            amount: Set(applied.amount),
            offer_id: Set(offer_id),
            voucher_code: Set(code),
        });
    }
    if !discounts.is_empty() {
        order_discount::Entity::insert_many(discounts)
            .exec_without_returning(txn)
            .await?;
    }

    row.total_orders += 1;
    row.total_spent += priced.paid;
    row.last_purchase_at = Some(row.last_purchase_at.map_or(placed_at, |t| t.max(placed_at)));
    let ranking_cycle = if policy.is_active() {
        let cycle = policy.cycle_of(placed_at, now);
        add_spend(&policy, &mut row, cycle, priced.paid).then_some(cycle)
    } else {
        None
    };
    row.updated_at = now;
    let member = save_standing_and_points(txn, &row, now).await?;

    let stored = order::Model {
        shop_id,
        id: order_id,
        external_id: key.to_owned(),
        member_id,
        channel: input.channel.as_str().to_owned(),
        placed_at,
        subtotal: priced.subtotal,
        discount_total: priced.tier_discount + priced.voucher_discount,
        voucher_discount: priced.voucher_discount,
        total: priced.total,
        points_redeemed: priced.points_redeemed,
        points_value: priced.points_value,
        paid: priced.paid,
        points_earned: earned,
        refunded_amount: 0,
        reversed_points: 0,
        restored_points: 0,
        reversed_spend: 0,
        ranking_cycle,
        tier_id: tier.map(|t| t.id),
        created_at: now,
    };
    order::Entity::insert(stored.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;
    order_line::Entity::insert_many(lines.iter().enumerate().map(|(i, line)| {
        order_line::ActiveModel {
            shop_id: Set(shop_id),
            order_id: Set(order_id),
            line_no: Set(i as i64),
            product_id: Set(line.product_id.clone()),
            group_ids: Set(serde_json::to_string(&line.group_ids).unwrap_or_default()),
            quantity: Set(line.quantity),
            unit_price: Set(line.unit_price),
            already_discounted: Set(line.already_discounted),
        }
    }))
    .exec_without_returning(txn)
    .await?;
    outcome(stored, Member::from_row(member)?)
}
