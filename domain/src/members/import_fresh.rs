//! The opening file's customers not seen before, written a batch at a time: nothing of
//! theirs is stored yet, so each row is planned in memory and all of them are written
//! with one statement a table (in chunks the databases' parameter limits allow), instead
//! of the dozen statements a row an existing customer needs (`import::apply_row`).
//!
//! A row planned here writes exactly what `apply_row` writes for a new customer: the same
//! blank row merged with the file's profile, opening spend counted the same way, the
//! opening points as one credit, and the cached balances the ledger then implies.
use super::import::{Applied, Row, input_external_id, opening_credit, registered};
use super::opening_spend::{self, Change};
use super::profile::{apply_reached_tier, blank_row, merge};
use crate::events::{EventType, emit, subscriptions};
use crate::ledger::lots::apply as write_ledger;
use crate::ledger::plan::{LedgerWrites, plan_credit};
use crate::limits::fits_balance;
use crate::program::Policy;
use crate::sql_arrays::{insert_all, text_array};
use crate::tiers::assignment::tier_for_spend;
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::opening_spend as opening_spend_row;
use loyalty_entities::{ledger_entry, member, point_lot};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, Statement, Value,
};
use std::collections::HashSet;
use uuid::Uuid;

/// Rows a statement inserts at most: a member row has about 30 columns, so 300 rows stay
/// far inside SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const CHUNK: usize = 300;

/// Splits a batch into the rows of customers the shop has never seen (the first row of
/// each such external id; planned and written here) and the others, in file order
/// (existing customers, and a second row of an id, which must see the first's writes).
pub(super) async fn split(
    txn: &DatabaseTransaction,
    shop_id: Uuid,
    rows: Vec<Row>,
) -> Result<(Vec<Row>, Vec<Row>)> {
    let ids: Vec<String> = rows.iter().map(|r| input_external_id(&r.profile)).collect();
    let mut known: HashSet<String> = HashSet::new();
    if txn.get_database_backend() == DbBackend::Postgres {
        known.extend(
            present(
                txn,
                "SELECT external_id FROM members WHERE shop_id = $1 AND external_id = ANY ($2::text[])",
                shop_id,
                &ids,
            )
            .await?,
        );
    } else {
        for chunk in ids.chunks(CHUNK) {
            let found: Vec<String> = member::Entity::find()
                .select_only()
                .column(member::Column::ExternalId)
                .filter(member::Column::ShopId.eq(shop_id))
                .filter(member::Column::ExternalId.is_in(chunk.to_vec()))
                .into_tuple()
                .all(txn)
                .await?;
            known.extend(found);
        }
    }
    let (mut fresh, mut rest) = (Vec::new(), Vec::new());
    for (row, id) in rows.into_iter().zip(ids) {
        if known.insert(id) {
            fresh.push(row);
        } else {
            rest.push(row);
        }
    }
    Ok((fresh, rest))
}

/// What one new customer's row writes.
struct Planned {
    member: member::Model,
    opening: Option<Change>,
    ledger: Option<LedgerWrites>,
    applied: Applied,
}

/// Plans and writes the rows of new customers; answers each row's line with what it did
/// or why it was refused (a refused row writes nothing).
pub(super) async fn apply(
    txn: &DatabaseTransaction,
    policy: &Policy,
    rows: Vec<Row>,
    now: DateTime<Utc>,
) -> Result<Vec<(u64, Result<Applied>)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let shop_id = policy.shop.id;
    let done = credited_keys(txn, shop_id, &rows).await?;
    let initial_tier = policy
        .is_active()
        .then(|| tier_for_spend(&policy.tiers, 0, policy.program.spend_per_ranking_point))
        .flatten()
        .map(|t| t.id);
    let mut outcomes = Vec::with_capacity(rows.len());
    let mut planned = Vec::with_capacity(rows.len());
    for row in &rows {
        match plan(txn, policy, row, initial_tier, &done, now).await {
            Ok(p) => {
                outcomes.push((row.line, Ok(p.applied.clone())));
                planned.push(p);
            }
            Err(e) => outcomes.push((row.line, Err(e))),
        }
    }
    let mut events = if subscriptions::wants(txn, shop_id, &[EventType::MemberRegistered]).await? {
        planned
            .iter()
            .filter(|p| p.member.registered_at.is_some())
            .map(|p| registered(policy, &p.member, now))
            .collect()
    } else {
        Vec::new()
    };
    write(txn, planned).await?;
    // A batch's events in parts: their rows and deliveries stay inside SQLite's bound
    // parameters whatever the batch's size.
    while !events.is_empty() {
        let rest = events.split_off(events.len().min(CHUNK));
        emit(txn, shop_id, events, now).await?;
        events = rest;
    }
    Ok(outcomes)
}

/// The opening-points keys of these rows already in the ledger: a customer erased or
/// renamed away may have left one, and a key is credited once.
async fn credited_keys(
    txn: &DatabaseTransaction,
    shop_id: Uuid,
    rows: &[Row],
) -> Result<HashSet<String>> {
    let keys: Vec<String> = rows
        .iter()
        .filter(|r| r.opening_points > 0)
        .map(points_key)
        .collect();
    let mut done = HashSet::new();
    if txn.get_database_backend() == DbBackend::Postgres {
        done.extend(
            present(
                txn,
                "SELECT idempotency_key FROM ledger_entries \
                 WHERE shop_id = $1 AND idempotency_key = ANY ($2::text[])",
                shop_id,
                &keys,
            )
            .await?,
        );
        return Ok(done);
    }
    for chunk in keys.chunks(CHUNK) {
        let found: Vec<Option<String>> = ledger_entry::Entity::find()
            .select_only()
            .column(ledger_entry::Column::IdempotencyKey)
            .filter(ledger_entry::Column::ShopId.eq(shop_id))
            .filter(ledger_entry::Column::IdempotencyKey.is_in(chunk.to_vec()))
            .into_tuple()
            .all(txn)
            .await?;
        done.extend(found.into_iter().flatten());
    }
    Ok(done)
}

/// Which of `items` the one-column `sql` finds in the shop (`$1`), given them all as one
/// array (`$2`): a batch of any size is one statement and one plan (PostgreSQL).
async fn present(
    txn: &DatabaseTransaction,
    sql: &str,
    shop_id: Uuid,
    items: &[String],
) -> Result<Vec<String>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [
                Value::from(shop_id),
                text_array(items.iter().map(String::as_str)),
            ],
        ))
        .await?;
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).map_err(Into::into))
        .collect()
}

/// The idempotency key of a row's opening points.
fn points_key(row: &Row) -> String {
    format!("import:{}", input_external_id(&row.profile))
}

/// One new customer's rows, as `import::apply_row` would write them.
async fn plan(
    txn: &DatabaseTransaction,
    policy: &Policy,
    row: &Row,
    initial_tier: Option<Uuid>,
    done: &HashSet<String>,
    now: DateTime<Utc>,
) -> Result<Planned> {
    let shop_id = policy.shop.id;
    let input = &row.clean;
    let key = points_key(row);
    let points = if row.opening_points > 0 && !done.contains(&key) {
        fits_balance("opening_points", 0, row.opening_points)?;
        row.opening_points
    } else {
        0
    };
    let before = blank_row(shop_id, &input_external_id(&row.profile), now, initial_tier);
    // A new customer has nothing stored, so this reads nothing.
    let opening = opening_spend::plan(txn, policy, before.id, true, row.opening, now).await?;
    let mut after = merge(before.clone(), input, now);
    after.source = Some(super::source::IMPORT.to_owned());
    if after.registered_at.is_some() {
        apply_reached_tier(policy, &mut after, now);
    }
    after.total_orders = row.total_orders.unwrap_or(0);
    after.total_spent = row.opening.total_spent.unwrap_or(0);
    if let Some(at) = row.last_purchase_at {
        after.last_purchase_at = Some(after.last_purchase_at.map_or(at, |t| t.max(at)));
    }
    let mut change = opening.change;
    if let Some(change) = change.as_mut() {
        change.count(policy, &mut after, now);
    }
    let ledger = if points > 0 {
        let (writes, _) = plan_credit(
            shop_id,
            after.id,
            now,
            opening_credit(policy, points, key, now),
            0,
        )?;
        // The cache `ledger::cache::refresh` would compute: the one lot, available now.
        after.points_available = points;
        after.points_pending = 0;
        after.points_as_of = Some(now);
        after.points_stable_until = None;
        Some(writes)
    } else {
        None
    };
    Ok(Planned {
        member: after,
        opening: change,
        ledger,
        applied: Applied {
            changed: true,
            points,
            unranked: opening.unranked,
        },
    })
}

/// Writes the planned rows: members first (the others name them), a statement a chunk.
async fn write(txn: &DatabaseTransaction, planned: Vec<Planned>) -> Result<()> {
    let mut members = Vec::with_capacity(planned.len());
    let mut openings = Vec::new();
    let mut ledger = LedgerWrites::default();
    for p in planned {
        members.push(p.member);
        openings.extend(p.opening);
        if let Some(writes) = p.ledger {
            ledger.extend(writes);
        }
    }
    if !ledger.draws.is_empty() || !ledger.allocations.is_empty() {
        return Err(DomainError::Internal(
            "an opening credit to a new customer draws on nothing".into(),
        ));
    }
    if txn.get_database_backend() == DbBackend::Postgres {
        // One statement a table for the whole batch; the opening spend is checked new
        // as `insert_new` checks it.
        let openings = opening_spend::new_rows(openings)?;
        insert_all::<member::Entity>(txn, &members).await?;
        insert_all::<opening_spend_row::Entity>(txn, &openings).await?;
        insert_all::<ledger_entry::Entity>(txn, &ledger.entries).await?;
        insert_all::<point_lot::Entity>(txn, &ledger.lots).await?;
        return Ok(());
    }
    for chunk in members.chunks(CHUNK) {
        member::Entity::insert_many(chunk.iter().cloned().map(|m| m.into_active_model()))
            .exec_without_returning(txn)
            .await?;
    }
    opening_spend::insert_new(txn, openings, CHUNK).await?;
    for entries in ledger.entries.chunks(CHUNK) {
        write_ledger(
            txn,
            &LedgerWrites {
                entries: entries.to_vec(),
                ..LedgerWrites::default()
            },
        )
        .await?;
    }
    for lots in ledger.lots.chunks(CHUNK) {
        write_ledger(
            txn,
            &LedgerWrites {
                lots: lots.to_vec(),
                ..LedgerWrites::default()
            },
        )
        .await?;
    }
    Ok(())
}
