//! Recording an order on PostgreSQL in two statements: one read, one write.
//!
//! The portable path ([`super::record`]) locks the member and writes table by table:
//! about a dozen round trips in a transaction, each costing both the server and the
//! database more than the work it carries. Here the order reads what it needs in one
//! statement without locking (presented vouchers and a redemption's lots included),
//! plans the order with the same planner ([`super::plan`]), and writes every
//! row in one statement, which PostgreSQL runs atomically. That statement checks what the
//! plan assumed:
//! - the member row is the version that was read (`xmin`: every write that moves a
//!   member's points or standing updates the row in its transaction, so an unchanged
//!   `xmin` means unchanged lots, debt and standing);
//! - every voucher it uses is still unused, every lot it draws still has the points;
//! - the order's key is new (its primary key) and so is a new customer (its unique key).
//!
//! A failed check raises `loyalty_guard`'s error or a unique violation, and the statement
//! leaves nothing behind. Then, and whenever the read finds anything unusual (a key seen
//! before, a policy not cached at the stored version), the order takes the portable path,
//! which waits for locks instead of checking: under contention the result is the same as
//! if the fast path had not been tried.
use super::input::{CleanLine, OrderInput};
use super::plan::{Loaded, OrderPlan, plan};
use super::result::{OrderOutcome, outcome};
use crate::ledger::PointBalance;
use crate::members::Member;
use crate::vouchers::lookup;
use crate::{Ctx, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::{member, point_lot};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DbErr, FromQueryResult, QueryResult, RuntimeErr, SqlErr,
    Statement,
};
use uuid::Uuid;

/// The SQLSTATE `loyalty_guard` raises (migration `m20261202_000007_write_guard`).
const GUARD_FAILED: &str = "LY409";

/// The program version, whether the order's key was used, the member (with its row
/// version), what the member's ledger adds up to (debt, points spent, restored and
/// expired), the presented vouchers with their offers and, when redeeming, the member's
/// lots: one row whether or not the customer exists.
const READ: &str = "SELECT \
  (SELECT p.version FROM programs p WHERE p.shop_id = $1) AS loyalty_program_version, \
  EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.shop_id = $1 AND k.scope = 'order' AND k.key = $2) AS loyalty_key_used, \
  m.xmin::text AS loyalty_row_version, \
  e.owed AS loyalty_owed, e.spent AS loyalty_spent, e.restored AS loyalty_restored, \
  e.expired AS loyalty_expired_entries, \
  (SELECT CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) FROM point_lots l \
     WHERE l.shop_id = $1 AND l.member_id = m.id AND l.remaining > 0 AND l.expires_at <= $4) \
    AS loyalty_expired_lots, \
  (SELECT CAST(json_agg(json_build_array(row_to_json(v), row_to_json(o))) AS TEXT) \
     FROM vouchers v LEFT JOIN offers o ON o.shop_id = v.shop_id AND o.id = v.offer_id \
     WHERE v.shop_id = $1 AND v.code = ANY (ARRAY(SELECT json_array_elements_text($5::json)))) \
    AS loyalty_vouchers, \
  (SELECT CAST(json_agg(l) AS TEXT) FROM point_lots l \
     WHERE $6 AND l.shop_id = $1 AND l.member_id = m.id AND l.remaining > 0) AS loyalty_lots, \
  m.* \
FROM (SELECT 1) AS one \
LEFT JOIN members m ON m.shop_id = $1 AND m.external_id = $3 \
LEFT JOIN LATERAL (SELECT \
    CAST(COALESCE(SUM(x.debt_change), 0) AS BIGINT) AS owed, \
    CAST(COALESCE(SUM(x.points) FILTER (WHERE x.kind IN ('REDEEM', 'REWARD')), 0) AS BIGINT) AS spent, \
    CAST(COALESCE(SUM(x.points) FILTER (WHERE x.kind = 'REVERSE' AND x.points > 0), 0) AS BIGINT) AS restored, \
    CAST(COALESCE(SUM(x.points) FILTER (WHERE x.kind = 'EXPIRE'), 0) AS BIGINT) AS expired \
  FROM ledger_entries x WHERE x.shop_id = $1 AND x.member_id = m.id) AS e ON true";

/// Every row of a planned order in one statement. Rows come as JSON arrays shaped like
/// the tables (`json_populate_recordset`), so the text never changes and stays prepared.
/// Rows to update are named as `= ANY (ARRAY(...))`: joined to a JSON set instead, the
/// planner expects a hundred rows and scans every lot or voucher of the shop.
/// The live balances in `saved` are read from the snapshot before this statement's own
/// lots, so the plan's change to them is added.
const WRITE: &str = "WITH \
claim AS (INSERT INTO idempotency_keys (shop_id, scope, key, request_hash, resource_id, created_at) \
  VALUES ($1, 'order', $2, $3, $4, $5)), \
fresh AS (INSERT INTO members SELECT * FROM json_populate_record(NULL::members, $6::json) \
  WHERE $7 RETURNING *), \
saved AS (UPDATE members AS m SET \
    tier_id = r.tier_id, ranking_spend = r.ranking_spend, total_orders = r.total_orders, \
    total_spent = r.total_spent, last_purchase_at = r.last_purchase_at, \
    cycle_start = r.cycle_start, prev_cycle_spend = r.prev_cycle_spend, \
    updated_at = r.updated_at, points_as_of = $5, \
    points_available = $10 + (SELECT CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) FROM point_lots l \
      WHERE l.shop_id = m.shop_id AND l.member_id = m.id AND l.remaining > 0 \
        AND (l.expires_at IS NULL OR l.expires_at > $5) AND l.available_at <= $5), \
    points_pending = $11 + (SELECT CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) FROM point_lots l \
      WHERE l.shop_id = m.shop_id AND l.member_id = m.id AND l.remaining > 0 \
        AND (l.expires_at IS NULL OR l.expires_at > $5) AND l.available_at > $5) \
  FROM json_populate_record(NULL::members, $6::json) AS r \
  WHERE NOT $7 AND m.shop_id = $1 AND m.id = r.id AND m.xmin = $9::text::xid \
  RETURNING m.*), \
entries AS (INSERT INTO ledger_entries \
  SELECT * FROM json_populate_recordset(NULL::ledger_entries, $12::json)), \
lots AS (INSERT INTO point_lots SELECT * FROM json_populate_recordset(NULL::point_lots, $13::json)), \
drawn AS (UPDATE point_lots AS l SET remaining = l.remaining - d.points \
  FROM json_to_recordset($14::json) AS d(lot_id uuid, points bigint) \
  WHERE l.shop_id = $1 AND l.id = ANY (ARRAY(SELECT x.lot_id FROM json_to_recordset($14::json) AS x(lot_id uuid))) \
    AND l.id = d.lot_id AND l.remaining >= d.points RETURNING 1), \
allocations AS (INSERT INTO lot_allocations \
  SELECT * FROM json_populate_recordset(NULL::lot_allocations, $15::json)), \
used AS (UPDATE vouchers AS v SET used_at = $5, order_id = $4 \
  WHERE v.shop_id = $1 AND v.code = ANY (ARRAY(SELECT json_array_elements_text($16::json))) \
    AND v.used_at IS NULL RETURNING 1), \
discounts AS (INSERT INTO order_discounts \
  SELECT * FROM json_populate_recordset(NULL::order_discounts, $17::json)), \
placed AS (INSERT INTO orders SELECT * FROM json_populate_record(NULL::orders, $18::json)), \
lines AS (INSERT INTO order_lines SELECT * FROM json_populate_recordset(NULL::order_lines, $19::json)), \
member AS (SELECT * FROM fresh UNION ALL SELECT * FROM saved) \
SELECT loyalty_guard((SELECT count(*) FROM member) = 1 \
    AND (SELECT count(*) FROM drawn) = $20 AND (SELECT count(*) FROM used) = $21, \
    'the member, a voucher or a lot changed since it was read') AS loyalty_guarded, member.* \
FROM (SELECT 1) AS one LEFT JOIN member ON true";

/// What the read found, when the fast path can go on.
struct Found {
    version: i64,
    member: Option<(member::Model, String)>,
    owed: i64,
    vouchers: Vec<lookup::Found>,
    lots: Vec<point_lot::Model>,
    /// Used and expired before the order (available and pending come from the write).
    balance: PointBalance,
}

/// Records the order in two statements when nothing stands in the way; `None` when the
/// order must take the portable path (it wrote nothing then).
pub(super) async fn try_record(
    ctx: &Ctx,
    shop_id: Uuid,
    input: &OrderInput,
    lines: &[CleanLine],
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<OrderOutcome>> {
    let key = input.external_id.trim();
    let customer = input.member_external_id.trim();
    let codes = lookup::normalize_all(&input.voucher_codes);
    let redeeming = input.redeem_points > 0;
    let Some(found) = read(ctx, shop_id, key, customer, &codes, redeeming, now).await? else {
        return Ok(None);
    };
    let Some(policy) = ctx.policies.at_version(shop_id, found.version) else {
        return Ok(None);
    };
    let (member, row_version) = match found.member {
        Some((row, version)) => (row, Some(version)),
        None => (super::record::new_customer(&policy, customer, now), None),
    };
    let (vouchers, refused) = lookup::judge(found.vouchers, codes, Some(member.id), now)?;
    let loaded = Loaded {
        member,
        vouchers,
        refused,
        lots: found.lots,
        owed: found.owed,
    };
    let planned = plan(&policy, input, lines, loaded, new_id(), now)?;
    write(ctx, planned, key, hash, row_version, found.balance, now).await
}

async fn read(
    ctx: &Ctx,
    shop_id: Uuid,
    key: &str,
    customer: &str,
    codes: &[String],
    redeeming: bool,
    now: DateTime<Utc>,
) -> Result<Option<Found>> {
    let values: [sea_orm::Value; 6] = [
        shop_id.into(),
        key.into(),
        customer.into(),
        now.into(),
        json(&codes)?.into(),
        redeeming.into(),
    ];
    let statement = Statement::from_sql_and_values(DatabaseBackend::Postgres, READ, values);
    let Some(row) = ctx.db.query_one_raw(statement).await? else {
        return Ok(None);
    };
    let version: Option<i64> = row.try_get("", "loyalty_program_version")?;
    let key_used: bool = row.try_get("", "loyalty_key_used")?;
    let (Some(version), false) = (version, key_used) else {
        return Ok(None);
    };
    let row_version: Option<String> = row.try_get("", "loyalty_row_version")?;
    let member = match row_version {
        Some(v) => Some((member::Model::from_query_result(&row, "")?, v)),
        None => None,
    };
    let sum =
        |column: &str| -> Result<i64> { Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0)) };
    let balance = PointBalance {
        used: -sum("loyalty_spent")? - sum("loyalty_restored")?,
        expired: sum("loyalty_expired_lots")? - sum("loyalty_expired_entries")?,
        ..PointBalance::default()
    };
    Ok(Some(Found {
        version,
        member,
        owed: sum("loyalty_owed")?,
        vouchers: rows_of(&row, "loyalty_vouchers")?,
        lots: rows_of(&row, "loyalty_lots")?,
        balance,
    }))
}

/// Rows aggregated by `json_agg` into `column` (NULL when there were none).
fn rows_of<T: serde::de::DeserializeOwned>(row: &QueryResult, column: &str) -> Result<Vec<T>> {
    let Some(text) = row.try_get::<Option<String>>("", column)? else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&text)
        .map_err(|e| crate::DomainError::Internal(format!("{column} as read: {e}")))
}

fn json<T: serde::Serialize>(rows: &T) -> Result<String> {
    serde_json::to_string(rows)
        .map_err(|e| crate::DomainError::Internal(format!("order rows as JSON: {e}")))
}

async fn write(
    ctx: &Ctx,
    planned: OrderPlan,
    key: &str,
    hash: &str,
    row_version: Option<String>,
    mut balance: PointBalance,
    now: DateTime<Utc>,
) -> Result<Option<OrderOutcome>> {
    let OrderPlan {
        order,
        lines,
        discounts,
        vouchers_used,
        ledger,
        mut member,
    } = planned;
    let (available, pending) = ledger.balance_change(now);
    let is_new = row_version.is_none();
    if is_new {
        // A new customer has no lots but this order's.
        member.points_available = available;
        member.points_pending = pending;
        member.points_as_of = Some(now);
    }
    let draws: Vec<serde_json::Value> = ledger
        .draws
        .iter()
        .map(|d| serde_json::json!({"lot_id": d.lot_id, "points": d.points}))
        .collect();
    let values: Vec<sea_orm::Value> = vec![
        order.shop_id.into(),
        key.into(),
        hash.into(),
        order.id.into(),
        now.into(),
        json(&member)?.into(),
        is_new.into(),
        member.id.into(),
        row_version.unwrap_or_default().into(),
        available.into(),
        pending.into(),
        json(&ledger.entries)?.into(),
        json(&ledger.lots)?.into(),
        json(&draws)?.into(),
        json(&ledger.allocations)?.into(),
        json(&vouchers_used)?.into(),
        json(&discounts)?.into(),
        json(&order)?.into(),
        json(&lines)?.into(),
        (ledger.draws.len() as i64).into(),
        (vouchers_used.len() as i64).into(),
    ];
    let statement = Statement::from_sql_and_values(DatabaseBackend::Postgres, WRITE, values);
    let row = match ctx.db.query_one_raw(statement).await {
        Ok(Some(row)) => row,
        Ok(None) => return Ok(None),
        Err(e) if must_retry_portably(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let saved = saved_member(&row)?;
    balance.available = saved.points_available;
    balance.pending = saved.points_pending;
    balance.add_entries(&ledger.entries);
    let mut answer = outcome(order, Member::from_row(saved)?)?;
    answer.balance = Some(balance);
    Ok(Some(answer))
}

fn saved_member(row: &QueryResult) -> Result<member::Model> {
    Ok(member::Model::from_query_result(row, "")?)
}

/// A check of the write failed (the guard), or a concurrent request took the key or
/// created the customer first (a unique violation): nothing was written.
fn must_retry_portably(e: &DbErr) -> bool {
    if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return true;
    }
    match e {
        DbErr::Query(RuntimeErr::SqlxError(sqlx)) | DbErr::Exec(RuntimeErr::SqlxError(sqlx)) => {
            matches!(&**sqlx, sea_orm::sqlx::Error::Database(db)
                if db.code().as_deref() == Some(GUARD_FAILED))
        }
        _ => false,
    }
}
