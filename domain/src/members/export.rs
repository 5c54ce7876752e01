//! Members written in the import's columns ([`super::import::COLUMNS`]), so that an
//! export imported into another shop (or another server) gives each member the same
//! profile, totals, ranking spend and spendable points.
//!
//! What does not travel: pending points (still tied to orders that a refund may take
//! back; they are not in the export), the ledger's history (the points arrive as one
//! opening balance) and the spend of the previous cycle that keeps a tier through the
//! current one.
use super::import::COLUMNS;
use crate::Result;
use crate::ledger::live_balances;
use crate::program::{Policy, ranking};
use chrono::{DateTime, SecondsFormat, Utc};
use loyalty_entities::member;

/// One member's record in the order of [`COLUMNS`].
pub type Record = [String; COLUMNS.len()];

/// The header row.
pub fn header() -> [&'static str; COLUMNS.len()] {
    COLUMNS
}

/// The records of `rows` at `now`: spendable points from the ledger itself (not the
/// cached column, which may lag an expiry), ranking spend of the cycle current at `now`
/// (a member untouched since an earlier cycle has none in this one). One statement.
pub async fn records<C: sea_orm::ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    now: DateTime<Utc>,
    rows: &[member::Model],
) -> Result<Vec<Record>> {
    let ids: Vec<_> = rows.iter().map(|m| m.id).collect();
    let balances = live_balances(conn, policy.shop.id, &ids, now).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let mut current = row.clone();
            ranking::roll(policy, &mut current, now);
            let available = balances.get(&row.id).map_or(0, |b| b.available);
            record(&current, available)
        })
        .collect())
}

/// A member row as the import reads it. `cycle_spent` is at most `total_spent`, as the
/// import requires (ranking spend imported as opening spend may exceed the total a
/// member's orders later replaced).
fn record(m: &member::Model, available_points: i64) -> Record {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        m.external_id.clone(),
        text(&m.name),
        text(&m.phone),
        text(&m.email),
        m.birthday.map(|b| b.to_string()).unwrap_or_default(),
        m.gender.to_lowercase(),
        text(&m.province),
        text(&m.district),
        m.total_orders.to_string(),
        m.total_spent.to_string(),
        m.ranking_spend.min(m.total_spent).max(0).to_string(),
        m.last_purchase_at
            .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            .unwrap_or_default(),
        available_points.to_string(),
        m.registered_at.is_some().to_string(),
    ]
}
