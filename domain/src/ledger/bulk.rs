//! Writing the planned ledger rows of many members at once, for batch work (the expiry
//! job): a few statements a table for the whole batch, where [`super::lots::apply`]
//! spends one guarded update per lot drawn. At thousands of lots a batch, the round
//! trips were the cost, not the rows. The rows written are the ones `apply` writes for
//! each plan in turn.
use super::plan::LedgerWrites;
use crate::{DomainError, Result};
use loyalty_entities::{ledger_entry, lot_allocation, point_lot};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel, Statement, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Rows a statement writes at most: 1,000 entries of 13 columns stay under SQLite's
/// 32,766 and PostgreSQL's 65,535 bound parameters.
const CHUNK: usize = 1000;

/// Writes `writes`, the plans of any number of the shop's members, whose rows must all
/// be locked. Draws on one lot are added up and checked together: a lot that no longer
/// has the points is a `Conflict`, and the caller's transaction writes nothing.
pub async fn apply_many<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    writes: &LedgerWrites,
) -> Result<()> {
    let actor = crate::audit::current_key();
    for chunk in writes.entries.chunks(CHUNK) {
        ledger_entry::Entity::insert_many(chunk.iter().cloned().map(|mut e| {
            // As `apply`: a manual adjustment names the key that made it.
            if e.kind == super::LedgerKind::Adjust.as_str() {
                e.actor_key_id = actor;
            }
            e.into_active_model()
        }))
        .exec_without_returning(conn)
        .await?;
    }
    for chunk in writes.lots.chunks(CHUNK) {
        point_lot::Entity::insert_many(chunk.iter().cloned().map(|l| l.into_active_model()))
            .exec_without_returning(conn)
            .await?;
    }
    let mut drawn: BTreeMap<Uuid, i64> = BTreeMap::new();
    for draw in &writes.draws {
        let points = drawn.entry(draw.lot_id).or_default();
        *points = points
            .checked_add(draw.points)
            .ok_or_else(|| DomainError::Internal("points drawn from a lot overflow".into()))?;
    }
    let drawn: Vec<(Uuid, i64)> = drawn.into_iter().collect();
    for chunk in drawn.chunks(CHUNK) {
        let statement = lower_lots(conn.get_database_backend(), shop_id, chunk);
        let updated = conn.execute_raw(statement).await?;
        if updated.rows_affected() != chunk.len() as u64 {
            return Err(DomainError::Conflict(
                "the balance changed while points were being spent; retry".into(),
            ));
        }
    }
    for chunk in writes.allocations.chunks(CHUNK) {
        lot_allocation::Entity::insert_many(chunk.iter().cloned().map(|a| a.into_active_model()))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// `WITH v(id, points) AS (VALUES ...) UPDATE point_lots ... FROM v`, guarded by
/// `remaining >= points` as `apply`'s update of one lot is: the common form of
/// PostgreSQL and SQLite (3.33 and later).
fn lower_lots(backend: DbBackend, shop_id: Uuid, draws: &[(Uuid, i64)]) -> Statement {
    let mut values: Vec<Value> = Vec::with_capacity(1 + 2 * draws.len());
    let placeholder = |v: Value, values: &mut Vec<Value>| {
        values.push(v);
        match backend {
            DbBackend::Postgres => format!("${}", values.len()),
            _ => "?".to_owned(),
        }
    };
    let tuples: Vec<String> = draws
        .iter()
        .map(|(lot, points)| {
            let id = placeholder((*lot).into(), &mut values);
            let n = placeholder((*points).into(), &mut values);
            format!("({id}, {n})")
        })
        .collect();
    let shop = placeholder(shop_id.into(), &mut values);
    let sql = format!(
        "WITH v(id, points) AS (VALUES {}) \
         UPDATE point_lots SET remaining = point_lots.remaining - v.points FROM v \
         WHERE point_lots.shop_id = {shop} AND point_lots.id = v.id \
         AND point_lots.remaining >= v.points",
        tuples.join(", "),
    );
    Statement::from_sql_and_values(backend, sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_lowers_every_lot_with_the_shop_bound_once() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let s = lower_lots(DbBackend::Postgres, Uuid::nil(), &[(a, 5), (b, 7)]);
        assert_eq!(s.values.map(|v| v.0.len()), Some(5));
        assert!(s.sql.contains("VALUES ($1, $2), ($3, $4)"), "{}", s.sql);
        assert!(s.sql.contains("point_lots.shop_id = $5"), "{}", s.sql);
        let s = lower_lots(DbBackend::Sqlite, Uuid::nil(), &[(a, 5)]);
        assert!(s.sql.contains("VALUES (?, ?)"), "{}", s.sql);
    }
}
