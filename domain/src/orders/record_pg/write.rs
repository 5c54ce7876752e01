//! Every row of every planned order of a batch in one statement, which checks what each
//! plan assumed and writes all of them or none.
use super::combiner::whole_or_each;
use crate::ledger::idempotency::Scope;
use crate::ledger::live::live_sql;
use crate::ledger::plan::Draw;
use crate::members::profile::ORDER_STANDING;
use crate::sql_columns::{Columns, Kind, Shape};
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::{
    audit_log, audit_target, event, ledger_entry, lot_allocation, member, order, order_discount,
    point_lot, webhook_delivery,
};
use sea_orm::sqlx::postgres::PgArguments;
use sea_orm::sqlx::{Postgres, query::Query};
use sea_orm::{
    DatabaseConnection, DbBackend, DbErr, FromQueryResult, IdenStatic, ModelTrait, QueryResult,
    RuntimeErr, SqlErr, Value,
};
use std::sync::{Arc, LazyLock};
use uuid::Uuid;

/// The SQLSTATE `loyalty_guard` raises (migration `m20261202_000007_write_guard`).
const GUARD_FAILED: &str = "LY409";

/// The columns of every set of rows the statement writes, and its text.
struct Write {
    keys: Shape,
    members: Shape,
    standing: Shape,
    entries: Shape,
    lots: Shape,
    draws: Shape,
    allocations: Shape,
    used: Shape,
    discounts: Shape,
    orders: Shape,
    events: Shape,
    deliveries: Shape,
    audits: Shape,
    audit_targets: Shape,
    sql: String,
}

/// Made once: the entities' columns never change while the process runs, so neither
/// does the text, and each connection prepares and plans it once.
static WRITE: LazyLock<std::result::Result<Write, String>> =
    LazyLock::new(|| Write::new().map_err(|e| e.to_string()));

impl Write {
    fn new() -> Result<Self> {
        let mut write = Write {
            keys: Shape::of(&[
                ("key", Kind::Text),
                ("request_hash", Kind::Text),
                ("resource_id", Kind::Uuid),
                ("created_at", Kind::Time),
            ]),
            members: Shape::of_entity::<member::Entity>()?,
            standing: Shape::of(&[
                ("id", Kind::Uuid),
                ("row_version", Kind::Text),
                ("available", Kind::BigInt),
                ("pending", Kind::BigInt),
                ("now", Kind::Time),
            ])
            .and_columns(&ORDER_STANDING)?
            .and(&[("stable_until", Kind::Time)]),
            entries: Shape::of_entity::<ledger_entry::Entity>()?,
            lots: Shape::of_entity::<point_lot::Entity>()?,
            draws: Shape::of(&[("lot_id", Kind::Uuid), ("points", Kind::BigInt)]),
            allocations: Shape::of_entity::<lot_allocation::Entity>()?,
            used: Shape::of(&[
                ("code", Kind::Text),
                ("order_id", Kind::Uuid),
                ("now", Kind::Time),
            ]),
            discounts: Shape::of_entity::<order_discount::Entity>()?,
            orders: Shape::of_entity::<order::Entity>()?,
            events: Shape::of_entity::<event::Entity>()?,
            deliveries: Shape::of_entity::<webhook_delivery::Entity>()?,
            audits: Shape::of_entity::<audit_log::Entity>()?,
            audit_targets: Shape::of_entity::<audit_target::Entity>()?,
            sql: String::new(),
        };
        write.sql = write.statement()?;
        Ok(write)
    }

    /// Every row of a batch in one statement. `$1` is the shop; then come the columns of
    /// each set of rows in turn, and last the number of customers, lot draws and
    /// vouchers the guard expects. Rows to update are named as `= ANY ($n)` on their
    /// key's array, so each is an index lookup whatever the planner guesses of the
    /// batch's size. A customer's live balances are read from the snapshot before this
    /// statement's own lots (both in one pass over them), so the plan's change to them is
    /// added; while no lot of the customer has matured or expired since they were
    /// counted (`points_stable_until`), the cached balances plus the change are the same
    /// sum, and the lots are not read (the recount's `WHERE` names that condition too,
    /// so that PostgreSQL skips its scan, and its `HAVING` drops the aggregate's row).
    /// An existing customer's row comes as what an order changes of it, not the whole
    /// row. The guard checks that every customer was created or was still the version
    /// read (`xmin`: every write that moves a member's points or standing updates its
    /// row, so an unchanged row means unchanged lots, debt and standing), and that every
    /// lot drawn and every voucher used was still there.
    fn statement(&self) -> Result<String> {
        let mut next = 2;
        let [
            keys,
            members,
            standing,
            entries,
            lots,
            draws,
            allocations,
            used,
            discounts,
            orders,
            events,
            deliveries,
            audits,
            audit_targets,
        ] = self.sets().map(|shape| {
            let at = next;
            next += shape.len();
            at
        });
        let counts = next;
        let key_of = |shape: &Shape, at: usize, name: &str| {
            shape
                .param(at, name)
                .ok_or_else(|| DomainError::Internal(format!("no column {name} to match on")))
        };
        let member_ids = key_of(&self.standing, standing, "id")?;
        let lot_ids = key_of(&self.draws, draws, "lot_id")?;
        let codes = key_of(&self.used, used, "code")?;
        let insert = |table: &str, shape: &Shape, at: usize| {
            format!(
                "INSERT INTO {table} ({}) SELECT * FROM {}",
                shape.names(),
                shape.unnest(at)
            )
        };
        Ok(format!(
            "WITH \
claim AS (INSERT INTO idempotency_keys (shop_id, scope, key, request_hash, resource_id, created_at) \
  SELECT $1, '{order_scope}', k.key, k.request_hash, k.resource_id, k.created_at FROM {keys_set} AS k({keys_names})), \
fresh AS ({fresh} RETURNING *), \
saved AS (UPDATE members AS m SET {standing_columns}, \
    updated_at = d.now, points_as_of = d.now, \
    (points_available, points_pending, points_stable_until) = ( \
      SELECT m.points_available + d.available, m.points_pending + d.pending, \
        LEAST(m.points_stable_until, d.stable_until) \
      WHERE m.points_stable_until > d.now \
      UNION ALL SELECT \
      d.available + CAST(COALESCE(SUM(l.remaining) FILTER (WHERE l.available_at <= d.now), 0) AS BIGINT), \
      d.pending + CAST(COALESCE(SUM(l.remaining) FILTER (WHERE l.available_at > d.now), 0) AS BIGINT), \
      LEAST(MIN(l.available_at) FILTER (WHERE l.available_at > d.now), MIN(l.expires_at), \
        d.stable_until, CAST('{never}' AS timestamptz)) \
      FROM point_lots l WHERE NOT COALESCE(m.points_stable_until > d.now, false) \
        AND l.shop_id = m.shop_id AND l.member_id = m.id AND {live_lot} \
      HAVING NOT COALESCE(m.points_stable_until > d.now, false)) \
  FROM {standing_set} AS d({standing_names}) \
  WHERE m.shop_id = $1 AND m.id = ANY (${member_ids}::uuid[]) \
    AND m.id = d.id AND m.xmin = d.row_version::xid \
  RETURNING m.*), \
entries AS ({entries}), \
lots AS ({lots}), \
drawn AS (UPDATE point_lots AS l SET remaining = l.remaining - d.points \
  FROM {draws_set} AS d({draws_names}) \
  WHERE l.shop_id = $1 AND l.id = ANY (${lot_ids}::uuid[]) \
    AND l.id = d.lot_id AND l.remaining >= d.points RETURNING 1), \
allocations AS ({allocations}), \
used AS (UPDATE vouchers AS v SET used_at = u.now, order_id = u.order_id \
  FROM {used_set} AS u({used_names}) \
  WHERE v.shop_id = $1 AND v.code = ANY (${codes}::text[]) \
    AND v.code = u.code AND v.used_at IS NULL RETURNING 1), \
discounts AS ({discounts}), \
placed AS ({orders}), \
events AS ({events}), \
deliveries AS ({deliveries}), \
audits AS ({audits}), \
audit_targets AS ({audit_targets}), \
member AS (SELECT * FROM fresh UNION ALL SELECT * FROM saved) \
SELECT loyalty_guard((SELECT count(*) FROM member) = ${c0}::int8 \
    AND (SELECT count(*) FROM drawn) = ${c1}::int8 AND (SELECT count(*) FROM used) = ${c2}::int8, \
    'a customer, a voucher or a lot changed since it was read') AS loyalty_guarded, member.* \
FROM (SELECT 1) AS one LEFT JOIN member ON true",
            keys_set = self.keys.unnest(keys),
            keys_names = self.keys.names(),
            fresh = insert("members", &self.members, members),
            standing_set = self.standing.unnest(standing),
            standing_names = self.standing.names(),
            standing_columns = ORDER_STANDING
                .iter()
                .map(|c| format!("{0} = d.{0}", c.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            entries = insert("ledger_entries", &self.entries, entries),
            lots = insert("point_lots", &self.lots, lots),
            draws_set = self.draws.unnest(draws),
            draws_names = self.draws.names(),
            allocations = insert("lot_allocations", &self.allocations, allocations),
            used_set = self.used.unnest(used),
            used_names = self.used.names(),
            discounts = insert("order_discounts", &self.discounts, discounts),
            orders = insert("orders", &self.orders, orders),
            events = insert("events", &self.events, events),
            deliveries = insert("webhook_deliveries", &self.deliveries, deliveries),
            audits = insert("audit_log", &self.audits, audits),
            audit_targets = insert("audit_targets", &self.audit_targets, audit_targets),
            never = super::stable_forever().to_rfc3339(),
            order_scope = Scope::Order.as_str(),
            live_lot = live_sql("l", "d.now"),
            c0 = counts,
            c1 = counts + 1,
            c2 = counts + 2,
        ))
    }

    /// The statement with every row of `batch` bound.
    fn bind(&'static self, batch: &[WriteJob]) -> Result<Query<'static, Postgres, PgArguments>> {
        let shop_id = batch.first().map(|j| j.shop_id).unwrap_or_default();
        let mut sets = self.sets().map(Columns::new);
        let [
            keys,
            members,
            standing,
            entries,
            lots,
            draws,
            allocations,
            used,
            discounts,
            orders,
            events,
            deliveries,
            audits,
            audit_targets,
        ] = &mut sets;
        for job in batch {
            keys.push([
                Value::from(job.key.clone()),
                Value::from(job.request_hash.clone()),
                Value::from(job.order.id),
                Value::from(job.now),
            ])?;
            match &job.customer {
                Customer::New(row) => members.push_model(&**row)?,
                Customer::Existing(s) => standing.push(
                    [
                        Value::from(s.member.id),
                        Value::from(s.row_version.clone()),
                        Value::from(s.available),
                        Value::from(s.pending),
                        Value::from(job.now),
                    ]
                    .into_iter()
                    .chain(ORDER_STANDING.iter().map(|c| s.member.get(*c)))
                    .chain([Value::from(s.stable_until)]),
                )?,
            }
            for row in &job.entries {
                entries.push_model(row)?;
            }
            for row in &job.lots {
                lots.push_model(row)?;
            }
            for draw in &job.draws {
                draws.push([Value::from(draw.lot_id), Value::from(draw.points)])?;
            }
            for row in &job.allocations {
                allocations.push_model(row)?;
            }
            for code in &job.vouchers_used {
                used.push([
                    Value::from(code.clone()),
                    Value::from(job.order.id),
                    Value::from(job.now),
                ])?;
            }
            for row in &job.discounts {
                discounts.push_model(row)?;
            }
            orders.push_model(&job.order)?;
            for row in &job.events {
                events.push_model(row)?;
            }
            for row in &job.deliveries {
                deliveries.push_model(row)?;
            }
            for row in &job.audits {
                audits.push_model(row)?;
            }
            for row in &job.audit_targets {
                audit_targets.push_model(row)?;
            }
        }
        let mut query = sea_orm::sqlx::query(self.sql.as_str()).bind(shop_id);
        for columns in sets {
            query = columns.bind(query);
        }
        let count = |of: fn(&WriteJob) -> usize| batch.iter().map(of).sum::<usize>() as i64;
        Ok(query
            .bind(batch.len() as i64)
            .bind(count(|j| j.draws.len()))
            .bind(count(|j| j.vouchers_used.len())))
    }

    /// Every set of rows, in the order of their parameters (the statement's text and
    /// the binding both follow it).
    fn sets(&self) -> [&Shape; 14] {
        [
            &self.keys,
            &self.members,
            &self.standing,
            &self.entries,
            &self.lots,
            &self.draws,
            &self.allocations,
            &self.used,
            &self.discounts,
            &self.orders,
            &self.events,
            &self.deliveries,
            &self.audits,
            &self.audit_targets,
        ]
    }
}

/// One planned order's rows.
#[derive(Debug)]
pub struct WriteJob {
    /// The shop.
    pub shop_id: Uuid,
    /// The order's external id (its idempotency key).
    pub key: String,
    /// The hash of its request.
    pub request_hash: String,
    /// The order's time.
    pub now: DateTime<Utc>,
    /// The customer, created by the order or as it changes.
    pub customer: Customer,
    /// Ledger entries.
    pub entries: Vec<ledger_entry::Model>,
    /// New lots.
    pub lots: Vec<point_lot::Model>,
    /// Points drawn from existing lots.
    pub draws: Vec<Draw>,
    /// Allocations of drawn points.
    pub allocations: Vec<lot_allocation::Model>,
    /// Codes of the vouchers it uses up.
    pub vouchers_used: Vec<String>,
    /// Discounts.
    pub discounts: Vec<order_discount::Model>,
    /// The events it raises (none unless the shop subscribes to them).
    pub events: Vec<event::Model>,
    /// Their deliveries to the subscribed endpoints.
    pub deliveries: Vec<webhook_delivery::Model>,
    /// The audit row of the change the order is part of (none outside an audited
    /// change), and the ids it indexes.
    pub audits: Vec<audit_log::Model>,
    /// The audit row's targets.
    pub audit_targets: Vec<audit_target::Model>,
    /// The order row.
    pub order: order::Model,
}

impl WriteJob {
    /// The customer's id.
    pub fn member_id(&self) -> Uuid {
        match &self.customer {
            Customer::New(row) => row.id,
            Customer::Existing(s) => s.member.id,
        }
    }
}

/// The customer of an order as written.
#[derive(Debug)]
pub enum Customer {
    /// Created by the order: the whole row.
    New(Box<member::Model>),
    /// Existing: its row version and what the order changes.
    Existing(Standing),
}

/// An existing customer's row version, the change the order makes to its balances and
/// its standing after the order.
#[derive(Debug)]
pub struct Standing {
    /// `xmin` as read.
    pub row_version: String,
    /// Change to the available points.
    pub available: i64,
    /// Change to the pending points.
    pub pending: i64,
    /// The first time one of the order's new lots matures or expires.
    pub stable_until: Option<DateTime<Utc>>,
    /// The customer's row after the order: its id and its [`ORDER_STANDING`] columns are
    /// written.
    pub member: Box<member::Model>,
}

/// The customer's row as saved; `None` when the order must take the portable path (a
/// check failed, or a concurrent request took its key or created its customer first):
/// nothing of it was written then.
pub type WriteOutput = Result<Option<member::Model>>;

/// Writes every order of `batch` in one statement. One order's failed check, or a race
/// on one key, undoes the whole batch: each order is then written again alone, so only
/// that one goes the portable way.
pub async fn write_all(db: &DatabaseConnection, batch: &[WriteJob]) -> Vec<WriteOutput> {
    let settle = |e: DbErr| {
        if must_retry_portably(&e) {
            Ok(None)
        } else {
            Err(e.into())
        }
    };
    whole_or_each(batch.len(), |range| write(db, &batch[range]), settle).await
}

async fn write(
    db: &DatabaseConnection,
    batch: &[WriteJob],
) -> std::result::Result<Vec<WriteOutput>, DbErr> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    if db.get_database_backend() != DbBackend::Postgres {
        return Err(DbErr::Custom(
            "order batches are written on PostgreSQL only".into(),
        ));
    }
    let write = WRITE.as_ref().map_err(|e| DbErr::Custom(e.clone()))?;
    let query = write
        .bind(batch)
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    // Bound as typed arrays, which sea-orm's values cannot carry with NULLs in them: the
    // statement runs on the order pool's own sqlx pool.
    let rows = query
        .fetch_all(db.get_postgres_connection_pool())
        .await
        .map_err(|e| DbErr::Query(RuntimeErr::SqlxError(Arc::new(e))))?;
    let mut saved: Vec<WriteOutput> = batch.iter().map(|_| Ok(None)).collect();
    for row in rows {
        let model = member::Model::from_query_result(&QueryResult::from(row), "")?;
        if let Some(i) = batch.iter().position(|j| j.member_id() == model.id) {
            saved[i] = Ok(Some(model));
        }
    }
    Ok(saved)
}

/// A check of the write failed (the guard), a concurrent request took a key or created a
/// customer first (a unique violation), or another replica's batch crossed this one (a
/// deadlock or serialization failure): nothing was written.
fn must_retry_portably(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
        || crate::sql::is_transient(e)
        || crate::sql::sql_state(e).is_some_and(|c| c == GUARD_FAILED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sqlx::{Arguments, Execute};
    use std::collections::BTreeSet;

    #[test]
    fn the_statement_uses_every_parameter_it_binds() {
        let write = WRITE
            .as_ref()
            .expect("the entities' columns all have array types");
        let columns: usize = write.sets().iter().map(|shape| shape.len()).sum();
        // The shop, every column, and the three counts the guard checks.
        let bound = 1 + columns + 3;
        let used: BTreeSet<usize> = write
            .sql
            .split('$')
            .skip(1)
            .filter_map(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect();
        assert_eq!(used, (1..=bound).collect::<BTreeSet<_>>());
        let mut query = write.bind(&[]).expect("an empty batch binds");
        let arguments = query.take_arguments().expect("arguments").expect("bound");
        assert_eq!(arguments.len(), bound);
    }
}
