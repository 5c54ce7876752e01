//! Recording an order: price it, redeem, earn, update stats and tier, once per external id.
use super::input::{CleanLine, OrderInput, validate};
use super::path::OrderPath;
use super::plan::{Loaded, OrderPlan, plan};
use super::record_pg;
use super::result::{OrderOutcome, load, outcome};
use crate::ledger::idempotency::{Claimed, Scope, claim_first, request_hash};
use crate::ledger::lots::{apply, debt, live_lots, lock_member_by_external_id};
use crate::ledger::policy::Policy;
use crate::ledger::policy_cache::PolicyCache;
use crate::members::Member;
use crate::members::profile::{blank_row, save_standing_and_points};
use crate::vouchers::lookup::present;
use crate::{Ctx, DomainError, Result, ids::new_id};
use chrono::{DateTime, SubsecRound, Utc};
use loyalty_entities::{member, order, order_discount, voucher};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel, QueryFilter, SqlErr,
    TransactionTrait,
};
use uuid::Uuid;

/// Records an order. A retry with the same content returns the first result and changes
/// nothing; the same external id with other content is `Conflict`. Redeeming more points
/// than are available is `InsufficientPoints`, and then nothing of the order is written.
pub async fn record(ctx: &Ctx, shop_id: Uuid, input: OrderInput) -> Result<OrderOutcome> {
    // Microseconds, as both databases store times: the rows written and the answer
    // built from them in memory then agree to the last digit.
    let now = ctx.clock.now().trunc_subsecs(6);
    let lines = validate(&input, now)?;
    let hash = request_hash(&input);
    let batched = ctx.order_path == OrderPath::Batched;
    let path = if ctx.db.get_database_backend() == DbBackend::Postgres && batched {
        match record_pg::try_record(ctx, shop_id, &input, &lines, &hash, now).await? {
            Some(outcome) => {
                count(WritePath::SingleStatement);
                return Ok(outcome);
            }
            None => WritePath::LockedAfterCheck,
        }
    } else {
        WritePath::Locked
    };
    count(path);
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

/// How an order was written, counted as `loyalty_order_writes_total{path}`: on
/// PostgreSQL nearly every order should be one statement, and a share of
/// `locked_after_check` says how often orders of one member race.
#[derive(Debug, Clone, Copy)]
enum WritePath {
    /// Read, then one checked statement (PostgreSQL).
    SingleStatement,
    /// The single statement's read or check failed; written under the member's lock.
    LockedAfterCheck,
    /// Under the member's lock from the start (SQLite).
    Locked,
}

fn count(path: WritePath) {
    let path = match path {
        WritePath::SingleStatement => "single_statement",
        WritePath::LockedAfterCheck => "locked_after_check",
        WritePath::Locked => "locked",
    };
    metrics::counter!("loyalty_order_writes_total", "path" => path).increment(1);
}

/// A customer's first row, before their first order: in the initial tier when the
/// program is active.
pub(super) fn new_customer(
    policy: &Policy,
    external_id: &str,
    now: DateTime<Utc>,
) -> member::Model {
    let tier = if policy.is_active() {
        policy.tier_for(0).map(|t| t.id)
    } else {
        None
    };
    blank_row(policy.shop.id, external_id, now, tier)
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
    let row = locked_member(txn, &policy, input.member_external_id.trim(), now).await?;
    let member_id = row.id;
    let (vouchers, refused) =
        present(txn, shop_id, &input.voucher_codes, Some(member_id), now).await?;
    let lots = if input.redeem_points > 0 {
        live_lots(txn, shop_id, member_id).await?
    } else {
        Vec::new()
    };
    let owed = debt(txn, shop_id, member_id).await?;
    let loaded = Loaded {
        member: row,
        vouchers,
        refused,
        lots,
        owed,
    };
    let planned = plan(&policy, input, lines, loaded, order_id, now)?;
    write(txn, planned, now).await
}

/// Writes a planned order under the member's lock, one statement a table.
async fn write(
    txn: &DatabaseTransaction,
    planned: OrderPlan,
    now: DateTime<Utc>,
) -> Result<OrderOutcome> {
    let OrderPlan {
        order: stored,
        discounts,
        vouchers_used,
        ledger,
        member: row,
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
    if !discounts.is_empty() {
        order_discount::Entity::insert_many(discounts.into_iter().map(|d| d.into_active_model()))
            .exec_without_returning(txn)
            .await?;
    }
    let member = save_standing_and_points(txn, &row, now).await?;
    order::Entity::insert(stored.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;
    outcome(stored, Member::from_row(member)?)
}
