//! A member's ledger, newest first, a page at a time.
use super::LedgerKind;
use crate::Result;
use crate::paging::Page;
use chrono::{DateTime, Utc};
use loyalty_entities::ledger_entry;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One entry as shown to merchants.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// Its id.
    pub id: Uuid,
    /// The member.
    pub member_id: Uuid,
    /// Why points moved.
    pub kind: LedgerKind,
    /// Signed points.
    pub points: i64,
    /// Points owed added (+) or repaid (-).
    pub debt_change: i64,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When the points become spendable (credits).
    pub available_at: DateTime<Utc>,
    /// When they expire (credits).
    pub expires_at: Option<DateTime<Utc>>,
    /// Why, in words.
    pub reason: Option<String>,
    /// The order concerned.
    pub order_id: Option<Uuid>,
    /// The API key that made a manual adjustment.
    pub actor_key_id: Option<Uuid>,
}

impl LedgerEntry {
    /// Reads a stored entry.
    pub fn from_row(row: ledger_entry::Model) -> Result<Self> {
        Ok(Self {
            kind: LedgerKind::parse(&row.kind)?,
            id: row.id,
            member_id: row.member_id,
            points: row.points,
            debt_change: row.debt_change,
            created_at: row.created_at,
            available_at: row.available_at,
            expires_at: row.expires_at,
            reason: row.reason,
            order_id: row.order_id,
            actor_key_id: row.actor_key_id,
        })
    }
}

/// Where a ledger page continues: before this entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerCursor {
    /// Id of the last entry of the previous page.
    pub id: Uuid,
}

/// A page of a member's entries, newest first (ids are time-ordered).
pub async fn entries<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    before: Option<LedgerCursor>,
    limit: u64,
) -> Result<Page<LedgerCursor, LedgerEntry>> {
    let mut query = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ShopId.eq(shop_id))
        .filter(ledger_entry::Column::MemberId.eq(member_id));
    if let Some(c) = before {
        query = query.filter(ledger_entry::Column::Id.lt(c.id));
    }
    let rows = query
        .order_by_desc(ledger_entry::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| Ok((LedgerCursor { id: r.id }, LedgerEntry::from_row(r)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit))
}

/// The newest `n` entries of each of `members` (and whether more exist), in one
/// statement: a window function numbers each member's entries newest first, so a page of
/// members with their recent history costs the same whatever the page size.
pub async fn newest_of_many<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    members: &[Uuid],
    n: u64,
) -> Result<std::collections::HashMap<Uuid, Page<LedgerCursor, LedgerEntry>>> {
    use sea_orm::{FromQueryResult, QueryTrait};
    let mut out: std::collections::HashMap<Uuid, Vec<(LedgerCursor, LedgerEntry)>> =
        members.iter().map(|m| (*m, Vec::new())).collect();
    if members.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let recent = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ShopId.eq(shop_id))
        .filter(ledger_entry::Column::MemberId.is_in(members.to_vec()))
        .into_query();
    let first = crate::paging::first_of_each_member(recent, "id DESC", n);
    let rows = conn
        .query_all_raw(conn.get_database_backend().build(&first))
        .await?;
    for row in rows {
        let model = ledger_entry::Model::from_query_result(&row, "")?;
        let entry = LedgerEntry::from_row(model)?;
        if let Some(list) = out.get_mut(&entry.member_id) {
            list.push((LedgerCursor { id: entry.id }, entry));
        }
    }
    Ok(out
        .into_iter()
        .map(|(m, mut items)| {
            items.sort_by_key(|(c, _)| std::cmp::Reverse(c.id));
            (m, Page::from_overfetch(items, n))
        })
        .collect())
}
