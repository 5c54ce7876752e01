//! Every row of every planned order of a batch in one statement, which checks what each
//! plan assumed and writes all of them or none.
use crate::Result;
use crate::combiner::{Batchable, whole_or_each};
use chrono::{DateTime, NaiveDate, Utc};
use loyalty_entities::member;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, FromQueryResult, RuntimeErr,
    SqlErr, Statement,
};
use serde::Serialize;
use uuid::Uuid;

/// The SQLSTATE `loyalty_guard` raises (migration `m20261202_000007_write_guard`).
const GUARD_FAILED: &str = "LY409";
/// PostgreSQL's deadlock and serialization failures: two replicas' batches crossed.
const RETRYABLE: [&str; 2] = ["40P01", "40001"];

/// Rows come as JSON arrays shaped like the tables (`json_populate_recordset`), so the
/// text never changes and stays prepared. Rows to update are named as
/// `= ANY (ARRAY(...))`: joined to a JSON set instead, the planner expects a hundred rows
/// and scans every member, lot or voucher of the shop. A customer's live balances are
/// read from the snapshot before this statement's own lots, so the plan's change to them
/// is added; an existing customer's row comes as what an order changes of it (`$4`), not
/// the whole row: PostgreSQL parses every JSON key it is sent. The guard checks that
/// every customer was created or was still the version read (`xmin`: every write that moves a member's points or standing updates
/// its row, so an unchanged row means unchanged lots, debt and standing), and that every
/// lot drawn and every voucher used was still there.
const WRITE: &str = "WITH \
claim AS (INSERT INTO idempotency_keys (shop_id, scope, key, request_hash, resource_id, created_at) \
  SELECT $1, 'order', k.key, k.request_hash, k.resource_id, k.created_at \
  FROM json_to_recordset($2::json) AS k(key text, request_hash text, resource_id uuid, created_at timestamptz)), \
fresh AS (INSERT INTO members SELECT * FROM json_populate_recordset(NULL::members, $3::json) RETURNING *), \
saved AS (UPDATE members AS m SET \
    tier_id = d.tier_id, ranking_spend = d.ranking_spend, total_orders = d.total_orders, \
    total_spent = d.total_spent, last_purchase_at = d.last_purchase_at, \
    cycle_start = d.cycle_start, prev_cycle_spend = d.prev_cycle_spend, \
    updated_at = d.now, points_as_of = d.now, \
    points_available = d.available + (SELECT CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) FROM point_lots l \
      WHERE l.shop_id = m.shop_id AND l.member_id = m.id AND l.remaining > 0 \
        AND (l.expires_at IS NULL OR l.expires_at > d.now) AND l.available_at <= d.now), \
    points_pending = d.pending + (SELECT CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) FROM point_lots l \
      WHERE l.shop_id = m.shop_id AND l.member_id = m.id AND l.remaining > 0 \
        AND (l.expires_at IS NULL OR l.expires_at > d.now) AND l.available_at > d.now) \
  FROM json_to_recordset($4::json) AS d(id uuid, row_version text, available bigint, pending bigint, \
    now timestamptz, tier_id uuid, ranking_spend bigint, total_orders bigint, total_spent bigint, \
    last_purchase_at timestamptz, cycle_start date, prev_cycle_spend bigint) \
  WHERE m.shop_id = $1 AND m.id = ANY (ARRAY(SELECT x.id FROM json_to_recordset($4::json) AS x(id uuid))) \
    AND m.id = d.id AND m.xmin = d.row_version::xid \
  RETURNING m.*), \
entries AS (INSERT INTO ledger_entries \
  SELECT * FROM json_populate_recordset(NULL::ledger_entries, $5::json)), \
lots AS (INSERT INTO point_lots SELECT * FROM json_populate_recordset(NULL::point_lots, $6::json)), \
drawn AS (UPDATE point_lots AS l SET remaining = l.remaining - d.points \
  FROM json_to_recordset($7::json) AS d(lot_id uuid, points bigint) \
  WHERE l.shop_id = $1 AND l.id = ANY (ARRAY(SELECT x.lot_id FROM json_to_recordset($7::json) AS x(lot_id uuid))) \
    AND l.id = d.lot_id AND l.remaining >= d.points RETURNING 1), \
allocations AS (INSERT INTO lot_allocations \
  SELECT * FROM json_populate_recordset(NULL::lot_allocations, $8::json)), \
used AS (UPDATE vouchers AS v SET used_at = u.now, order_id = u.order_id \
  FROM json_to_recordset($9::json) AS u(code text, order_id uuid, now timestamptz) \
  WHERE v.shop_id = $1 AND v.code = ANY (ARRAY(SELECT x.code FROM json_to_recordset($9::json) AS x(code text))) \
    AND v.code = u.code AND v.used_at IS NULL RETURNING 1), \
discounts AS (INSERT INTO order_discounts \
  SELECT * FROM json_populate_recordset(NULL::order_discounts, $10::json)), \
placed AS (INSERT INTO orders SELECT * FROM json_populate_recordset(NULL::orders, $11::json)), \
lines AS (INSERT INTO order_lines SELECT * FROM json_populate_recordset(NULL::order_lines, $12::json)), \
member AS (SELECT * FROM fresh UNION ALL SELECT * FROM saved) \
SELECT loyalty_guard((SELECT count(*) FROM member) = $13 \
    AND (SELECT count(*) FROM drawn) = $14 AND (SELECT count(*) FROM used) = $15, \
    'a customer, a voucher or a lot changed since it was read') AS loyalty_guarded, member.* \
FROM (SELECT 1) AS one LEFT JOIN member ON true";

/// One planned order's rows, already as JSON (made by the order's own task, so the
/// runner only joins them). Each table's rows are a JSON array.
#[derive(Debug)]
pub struct WriteJob {
    /// The shop.
    pub shop_id: Uuid,
    /// The order's external id, the customer's external id and the codes it uses: no two
    /// orders of a batch share one.
    pub claims: Vec<String>,
    /// The customer's id.
    pub member_id: Uuid,
    /// The idempotency key's row.
    pub key: String,
    /// The customer's row, when new (else `[]`).
    pub fresh: String,
    /// The existing customer's row version and what the order changes (else `[]`).
    pub standing: String,
    /// Ledger entries.
    pub entries: String,
    /// Lots.
    pub lots: String,
    /// Points drawn from lots.
    pub draws: String,
    /// Allocations of drawn points.
    pub allocations: String,
    /// Vouchers used (code, order, time).
    pub used: String,
    /// Discounts.
    pub discounts: String,
    /// The order row.
    pub order: String,
    /// Its lines.
    pub lines: String,
    /// How many lots it draws from.
    pub draw_count: usize,
    /// How many vouchers it uses.
    pub voucher_count: usize,
}

/// The idempotency key's row of an order.
#[derive(Serialize)]
pub struct KeyRow<'a> {
    /// The order's external id.
    pub key: &'a str,
    /// The hash of its request.
    pub request_hash: &'a str,
    /// The order's id.
    pub resource_id: Uuid,
    /// When it was claimed.
    pub created_at: DateTime<Utc>,
}

/// An existing customer's row version, the change the order makes to its balances and
/// its standing after the order.
#[derive(Serialize)]
pub struct Standing {
    /// The customer's id.
    pub id: Uuid,
    /// `xmin` as read.
    pub row_version: String,
    /// Change to the available points.
    pub available: i64,
    /// Change to the pending points.
    pub pending: i64,
    /// The order's time.
    pub now: DateTime<Utc>,
    /// The tier after the order.
    pub tier_id: Option<Uuid>,
    /// Spend counted toward the tier in the current cycle.
    pub ranking_spend: i64,
    /// Orders so far.
    pub total_orders: i64,
    /// Spend so far.
    pub total_spent: i64,
    /// The latest purchase.
    pub last_purchase_at: Option<DateTime<Utc>>,
    /// First day of the accumulation cycle.
    pub cycle_start: Option<NaiveDate>,
    /// Ranking spend of the cycle before.
    pub prev_cycle_spend: i64,
}

/// The customer's row as saved; `None` when the order must take the portable path (a
/// check failed, or a concurrent request took its key or created its customer first):
/// nothing of it was written then.
pub type WriteOutput = Result<Option<member::Model>>;

impl Batchable for WriteJob {
    type Output = WriteOutput;

    fn group(&self) -> Uuid {
        self.shop_id
    }

    fn claims(&self) -> &[String] {
        &self.claims
    }

    async fn run(db: DatabaseConnection, batch: Vec<Self>) -> Vec<WriteOutput> {
        // One order's failed check, or a race on one key, undoes the whole batch: each
        // order is then written again alone, so only that one goes the portable way.
        let settle = |e: DbErr| {
            if must_retry_portably(&e) {
                Ok(None)
            } else {
                Err(e.into())
            }
        };
        whole_or_each(batch.len(), |range| write(&db, &batch[range]), settle).await
    }
}

/// A JSON array of every item of the JSON arrays `parts`.
fn concat<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for part in parts {
        let inner = part
            .strip_prefix('[')
            .and_then(|p| p.strip_suffix(']'))
            .unwrap_or("");
        if inner.is_empty() {
            continue;
        }
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(inner);
    }
    out.push(']');
    out
}

async fn write(
    db: &DatabaseConnection,
    batch: &[WriteJob],
) -> std::result::Result<Vec<WriteOutput>, DbErr> {
    let Some(shop_id) = batch.first().map(|j| j.shop_id) else {
        return Ok(Vec::new());
    };
    let all = |part: fn(&WriteJob) -> &str| concat(batch.iter().map(part));
    let values: Vec<sea_orm::Value> = vec![
        shop_id.into(),
        all(|j| &j.key).into(),
        all(|j| &j.fresh).into(),
        all(|j| &j.standing).into(),
        all(|j| &j.entries).into(),
        all(|j| &j.lots).into(),
        all(|j| &j.draws).into(),
        all(|j| &j.allocations).into(),
        all(|j| &j.used).into(),
        all(|j| &j.discounts).into(),
        all(|j| &j.order).into(),
        all(|j| &j.lines).into(),
        (batch.len() as i64).into(),
        (batch.iter().map(|j| j.draw_count).sum::<usize>() as i64).into(),
        (batch.iter().map(|j| j.voucher_count).sum::<usize>() as i64).into(),
    ];
    let statement = Statement::from_sql_and_values(DatabaseBackend::Postgres, WRITE, values);
    let rows = db.query_all_raw(statement).await?;
    let mut saved: Vec<WriteOutput> = batch.iter().map(|_| Ok(None)).collect();
    for row in rows {
        let model = member::Model::from_query_result(&row, "")?;
        if let Some(i) = batch.iter().position(|j| j.member_id == model.id) {
            saved[i] = Ok(Some(model));
        }
    }
    Ok(saved)
}

/// A check of the write failed (the guard), a concurrent request took a key or created a
/// customer first (a unique violation), or another replica's batch crossed this one (a
/// deadlock or serialization failure): nothing was written.
fn must_retry_portably(e: &DbErr) -> bool {
    if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return true;
    }
    match e {
        DbErr::Query(RuntimeErr::SqlxError(sqlx)) | DbErr::Exec(RuntimeErr::SqlxError(sqlx)) => {
            matches!(&**sqlx, sea_orm::sqlx::Error::Database(db)
                if db.code().is_some_and(|c| c == GUARD_FAILED || RETRYABLE.contains(&c.as_ref())))
        }
        _ => false,
    }
}
