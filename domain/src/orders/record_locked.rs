//! Recording an order under its member's row lock: the write path of SQLite, and of
//! PostgreSQL when a batch cannot take the order (or `LOYALTY_ORDER_PATH=locked`). It
//! reads what the plan needs under the lock and writes the plan one statement a table.
use super::plan::{Loaded, OrderPlan, new_customer, plan};
use super::prepared::PreparedOrder;
use super::result::{OrderOutcome, load, outcome};
use crate::checkout::limit_usage;
use crate::checkout::limited::Customer;
use crate::checkout::shopper::segments_named;
use crate::ledger::idempotency::{Claimed, Scope, claim_first};
use crate::ledger::lots::{apply, debt, live_lots, lock_member_by_external_id};
use crate::members::Member;
use crate::members::profile::save_standing_and_points;
use crate::members::segment_membership::memberships;
use crate::offers::automatic::AutomaticOffers;
use crate::offers::usage;
use crate::program::{Policy, PolicyCache};
use crate::vouchers::lookup::{VoucherOffer, present};
use crate::vouchers::public_code::add_public;
use crate::{Ctx, DomainError, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::{member, order, order_discount, voucher};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, SqlErr,
    TransactionTrait,
};

/// Attempts of one order on this path before a race is reported as `Conflict`.
const ATTEMPTS: usize = 3;

/// Records an order under its member's row lock, in one transaction, run again when a
/// concurrent writer crossed it.
pub(super) async fn record(ctx: &Ctx, order: &PreparedOrder) -> Result<OrderOutcome> {
    // Concurrent first orders of a new customer race to insert it, and the loser's next
    // attempt finds the winner's row. A batch of the other path can also cross this
    // transaction (it may insert the customer before claiming the key, where this path
    // claims the key first): PostgreSQL breaks that deadlock by failing one side, which
    // wrote nothing and runs again. (Concurrent retries of one order on this path do not
    // race: the second waits on the first's claim of the key.)
    for attempt in 0..ATTEMPTS {
        let txn = ctx.db.begin().await?;
        match attempt_record(&txn, &ctx.policies, &ctx.automatic_offers, order).await {
            Ok(outcome) => {
                txn.commit().await?;
                return Ok(outcome);
            }
            Err(DomainError::Db(e))
                if attempt + 1 < ATTEMPTS
                    && (matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
                        || crate::sql::is_transient(&e)) =>
            {
                txn.rollback().await?;
            }
            Err(e) => return Err(e),
        }
    }
    Err(DomainError::Conflict(format!(
        "order '{}' is being recorded concurrently; retry",
        order.key
    )))
}

/// The customer's row, locked: found by external id, or new and then unseen by others
/// until the commit.
async fn locked_member(
    txn: &DatabaseTransaction,
    policy: &Policy,
    external_id: &str,
    now: DateTime<Utc>,
) -> Result<member::Model> {
    if let Some(row) = lock_member_by_external_id(txn, policy.shop.id, external_id).await? {
        return Ok(row);
    }
    let row = new_customer(policy, external_id, now);
    member::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;
    Ok(row)
}

async fn attempt_record(
    txn: &DatabaseTransaction,
    policies: &PolicyCache,
    automatic: &AutomaticOffers,
    order: &PreparedOrder,
) -> Result<OrderOutcome> {
    let PreparedOrder {
        shop_id,
        ref key,
        ref customer,
        ref codes,
        ref hash,
        now,
        ..
    } = *order;
    let order_id = new_id();
    // The key first: a retry, even a concurrent one, replays the first result.
    if let Claimed::Replay(id) =
        claim_first(txn, shop_id, Scope::Order, key, hash, order_id, now).await?
    {
        return load(txn, shop_id, id).await;
    }
    let policy = policies.current(txn, shop_id).await?;
    let row = locked_member(txn, &policy, customer, now).await?;
    let member_id = row.id;
    let mut presented = present(txn, shop_id, codes, Some(member_id), now).await?;
    add_public(txn, shop_id, &mut presented).await?;
    let (vouchers, refused) = presented;
    let automatic = automatic.at_version(txn, shop_id, policy.version).await?;
    let mut competing = vouchers.clone();
    competing.extend(automatic.iter().map(VoucherOffer::automatic));
    let customer = Customer {
        member_id,
        registered: row.registered_at.is_some(),
        phone: row.phone.clone(),
    };
    // Locked: orders counting against one limit plan one after another, each against
    // what the one before counted.
    let usage = limit_usage::for_checkout(txn, shop_id, &competing, Some(&customer), true).await?;
    let lots = if order.redeems() {
        live_lots(txn, shop_id, member_id).await?
    } else {
        Vec::new()
    };
    let owed = debt(txn, shop_id, member_id).await?;
    let segments = memberships(
        txn,
        &policy.shop,
        now,
        Some(member_id),
        &segments_named(&competing),
    )
    .await?;
    let loaded = Loaded {
        member: row,
        vouchers,
        refused,
        lots,
        owed,
        automatic,
        usage,
        segments,
    };
    let planned = plan(&policy, order, loaded, order_id)?;
    write(txn, planned, order.audit.as_deref(), now).await
}

/// Writes a planned order under the member's lock, one statement a table, with the
/// audit row of the change it is part of.
async fn write(
    txn: &DatabaseTransaction,
    planned: OrderPlan,
    audit: Option<&crate::audit::Scope>,
    now: DateTime<Utc>,
) -> Result<OrderOutcome> {
    let OrderPlan {
        order: stored,
        discounts,
        vouchers_used,
        uses,
        ledger,
        member: row,
        events,
    } = planned;
    let shop_id = stored.shop_id;
    apply(txn, &ledger).await?;
    for code in &vouchers_used {
        // Guarded: of two orders racing for one voucher, exactly one marks it.
        let marked = voucher::Entity::update_many()
            .col_expr(voucher::Column::UsedAt, Expr::value(now))
            .col_expr(voucher::Column::OrderId, Expr::value(stored.id))
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
    usage::count(txn, shop_id, stored.id, &uses).await?;
    if !discounts.is_empty() {
        order_discount::Entity::insert_many(discounts.into_iter().map(|d| d.into_active_model()))
            .exec_without_returning(txn)
            .await?;
    }
    let member = save_standing_and_points(txn, &row, now).await?;
    order::Entity::insert(stored.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;
    crate::events::emit(txn, shop_id, events, now).await?;
    crate::audit::record_in(txn, shop_id, audit, &[stored.id, member.id]).await?;
    outcome(stored, Member::from_row(member)?)
}
