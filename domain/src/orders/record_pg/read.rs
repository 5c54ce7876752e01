//! What orders read before they are planned, for every order of a batch in one
//! statement without locks.
use super::combiner::whole_or_each;
use crate::ledger::idempotency::Scope;
use crate::vouchers::lookup;
use crate::{DomainError, Result};
use loyalty_entities::{member, point_lot};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, FromQueryResult, QueryResult, Statement,
};
use serde::Serialize;
use std::sync::LazyLock;
use uuid::Uuid;

/// Per order of the batch (`$2`, one JSON object each): the program version, whether its
/// key was used, the customer (with its row version), the points the customer owes from
/// refunds, the presented vouchers with their offers and, when redeeming, the customer's
/// lots; one row per order, in `loyalty_i`, whether or not the customer exists. The key
/// and the customer are lateral subqueries that the planner cannot flatten or hash
/// (`LIMIT`, `OFFSET 0`), so each order is an index lookup whatever the planner guesses
/// of the batch's size: as an `EXISTS`, the key's check became one scan of every key of
/// the shop, hashed. The debt is summed over the entries of the partial index
/// `ledger_entries_debt` only, so an order's read does not grow with the customer's
/// history (the answer's points used and expired, which would, are read only when a
/// client asks for them).
static READ: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT q.i AS loyalty_i, \
  (SELECT p.version FROM programs p WHERE p.shop_id = $1) AS loyalty_program_version, \
  (k.used IS NOT NULL) AS loyalty_key_used, \
  (SELECT CAST(COALESCE(SUM(x.debt_change), 0) AS BIGINT) FROM ledger_entries x \
     WHERE x.shop_id = $1 AND x.member_id = m.id AND x.debt_change <> 0) AS loyalty_owed, \
  (SELECT CAST(json_agg(json_build_array(row_to_json(v), row_to_json(o))) AS TEXT) \
     FROM vouchers v LEFT JOIN offers o ON o.shop_id = v.shop_id AND o.id = v.offer_id \
     WHERE v.shop_id = $1 AND v.code = ANY (ARRAY(SELECT json_array_elements_text(q.codes)))) \
    AS loyalty_vouchers, \
  (SELECT CAST(json_agg(l) AS TEXT) FROM point_lots l \
     WHERE q.redeeming AND l.shop_id = $1 AND l.member_id = m.id AND l.remaining > 0) AS loyalty_lots, \
  m.* \
FROM json_to_recordset($2::json) AS q(i int, key text, customer text, codes json, redeeming boolean) \
LEFT JOIN LATERAL (SELECT true AS used FROM idempotency_keys k \
    WHERE k.shop_id = $1 AND k.scope = '{order}' AND k.key = q.key LIMIT 1) AS k ON true \
LEFT JOIN LATERAL (SELECT m.xmin::text AS loyalty_row_version, m.* FROM members m \
    WHERE m.shop_id = $1 AND m.external_id = q.customer OFFSET 0) AS m ON true",
        order = Scope::Order.as_str()
    )
});

/// What one order reads: its key, customer and presented codes (normalized).
#[derive(Debug, Clone)]
pub struct ReadJob {
    /// The shop.
    pub shop_id: Uuid,
    /// The order's external id.
    pub key: String,
    /// The customer's external id.
    pub customer: String,
    /// Voucher codes as stored.
    pub codes: Vec<String>,
    /// Whether the order redeems points (then the customer's lots are read).
    pub redeeming: bool,
}

/// What the read found for one order.
#[derive(Debug)]
pub struct Found {
    /// The program's version.
    pub version: i64,
    /// The customer's row and row version, when the customer exists.
    pub member: Option<(member::Model, String)>,
    /// Points the customer owes from refunds.
    pub owed: i64,
    /// The presented vouchers found, with their offers.
    pub vouchers: Vec<lookup::Found>,
    /// The customer's lots with points left (read only when redeeming).
    pub lots: Vec<point_lot::Model>,
}

/// `None` when the order must take the portable path: its key was used before, or the
/// shop has no program.
pub type ReadOutput = Result<Option<Found>>;

#[derive(Serialize)]
struct Wanted<'a> {
    i: usize,
    key: &'a str,
    customer: &'a str,
    codes: &'a [String],
    redeeming: bool,
}

/// Reads every order of `batch` in one statement; a batch that failed as a whole is read
/// again order by order, so that each order gets its own answer.
pub async fn read_all(db: &DatabaseConnection, batch: &[ReadJob]) -> Vec<ReadOutput> {
    whole_or_each(batch.len(), |range| read(db, &batch[range]), Err).await
}

async fn read(db: &DatabaseConnection, batch: &[ReadJob]) -> Result<Vec<ReadOutput>> {
    let Some(shop_id) = batch.first().map(|j| j.shop_id) else {
        return Ok(Vec::new());
    };
    let wanted: Vec<Wanted> = batch
        .iter()
        .enumerate()
        .map(|(i, j)| Wanted {
            i,
            key: &j.key,
            customer: &j.customer,
            codes: &j.codes,
            redeeming: j.redeeming,
        })
        .collect();
    let values: [sea_orm::Value; 2] = [shop_id.into(), super::json(&wanted)?.into()];
    let statement =
        Statement::from_sql_and_values(DatabaseBackend::Postgres, READ.as_str(), values);
    let rows = db.query_all_raw(statement).await?;
    let mut found: Vec<ReadOutput> = batch.iter().map(|_| Ok(None)).collect();
    for row in rows {
        let i: i32 = row.try_get("", "loyalty_i")?;
        let slot = usize::try_from(i)
            .ok()
            .and_then(|i| found.get_mut(i))
            .ok_or_else(|| DomainError::Internal(format!("order read returned row {i}")))?;
        *slot = parse(&row);
    }
    Ok(found)
}

fn parse(row: &QueryResult) -> ReadOutput {
    let version: Option<i64> = row.try_get("", "loyalty_program_version")?;
    let key_used: bool = row.try_get("", "loyalty_key_used")?;
    let (Some(version), false) = (version, key_used) else {
        return Ok(None);
    };
    let row_version: Option<String> = row.try_get("", "loyalty_row_version")?;
    let member = match row_version {
        Some(v) => Some((member::Model::from_query_result(row, "")?, v)),
        None => None,
    };
    Ok(Some(Found {
        version,
        member,
        owed: row.try_get::<Option<i64>>("", "loyalty_owed")?.unwrap_or(0),
        vouchers: rows_of(row, "loyalty_vouchers")?,
        lots: rows_of(row, "loyalty_lots")?,
    }))
}

/// Rows aggregated by `json_agg` into `column` (NULL when there were none).
fn rows_of<T: serde::de::DeserializeOwned>(row: &QueryResult, column: &str) -> Result<Vec<T>> {
    let Some(text) = row.try_get::<Option<String>>("", column)? else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&text).map_err(|e| DomainError::Internal(format!("{column} as read: {e}")))
}
