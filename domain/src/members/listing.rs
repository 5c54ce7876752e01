//! Paged member listing: a filter, an order, and keyset cursors.
//!
//! A cursor holds the sort value of the last row and its id (the tie-breaker that makes
//! the order total), plus a fingerprint of the filter and order it was made for: rows
//! inserted between two requests neither repeat nor vanish, and a cursor used with
//! another filter or order is refused instead of silently skipping rows. Empty values
//! (no purchase yet, not registered) sort last in both directions.
use super::Member;
use super::filter::{MemberFilter, condition};
use crate::paging::Page;
use crate::shops::Shop;
use crate::{DomainError, Result};
use chrono::{DateTime, Datelike, Utc};
use loyalty_entities::{member, member_search};
use sea_orm::sea_query::{ColumnRef, Condition, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// What members are sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortField {
    /// Folded name.
    Name,
    /// Paid spend.
    TotalSpent,
    /// Orders placed.
    TotalOrders,
    /// Available points (cached).
    AvailablePoints,
    /// Last purchase time.
    LastPurchase,
    /// Registration time.
    RegisteredAt,
    /// Creation here (id order).
    #[default]
    Created,
}

/// A sort order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberOrder {
    /// The key.
    pub field: SortField,
    /// Largest first.
    pub descending: bool,
}

/// The sort value of a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum SortKey {
    Text(String),
    Int(i64),
    Time(Option<DateTime<Utc>>),
    None,
}

/// Where a page continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCursor {
    key: SortKey,
    id: Uuid,
    /// Fingerprint of the filter and order the cursor belongs to.
    of: String,
}

fn fingerprint(filter: &MemberFilter, order: MemberOrder) -> String {
    let json = serde_json::to_vec(&(filter, order)).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..8])
}

fn key_of(row: &member::Model, field: SortField) -> SortKey {
    match field {
        SortField::Name => SortKey::Text(row.search_name.clone()),
        SortField::TotalSpent => SortKey::Int(row.total_spent),
        SortField::TotalOrders => SortKey::Int(row.total_orders),
        SortField::AvailablePoints => SortKey::Int(row.points_available),
        SortField::LastPurchase => SortKey::Time(row.last_purchase_at),
        SortField::RegisteredAt => SortKey::Time(row.registered_at),
        SortField::Created => SortKey::None,
    }
}

/// Where a sort field's values are read, with the index that serves the sort.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// The member row: its counters (`None`: id order).
    Row(Option<member::Column>),
    /// The member's search copy, `member_search`: name and registration. Their indexes
    /// live there so that the member row, which every order updates (never HOT), does
    /// not carry them (migration `m20261204_000011`).
    Copy(member_search::Column),
}

fn source(field: SortField) -> Source {
    use member::Column as M;
    use member_search::Column as S;
    match field {
        SortField::Name => Source::Copy(S::SearchName),
        SortField::TotalSpent => Source::Row(Some(M::TotalSpent)),
        SortField::TotalOrders => Source::Row(Some(M::TotalOrders)),
        SortField::AvailablePoints => Source::Row(Some(M::PointsAvailable)),
        SortField::LastPurchase => Source::Row(Some(M::LastPurchaseAt)),
        SortField::RegisteredAt => Source::Copy(S::RegisteredAt),
        SortField::Created => Source::Row(None),
    }
}

impl Source {
    /// The sort column, if any, and the id column that breaks ties.
    fn columns(self) -> (Option<ColumnRef>, ColumnRef) {
        match self {
            Source::Row(col) => (col.map(Into::into), member::Column::Id.into()),
            Source::Copy(col) => (Some(col.into()), member_search::Column::MemberId.into()),
        }
    }

    /// `members` matching `members_cond`, as a condition on this source's table.
    fn matching(self, shop: &Shop, members_cond: Condition) -> Condition {
        match self {
            Source::Row(_) => members_cond,
            Source::Copy(_) => {
                let mut sub = Query::select();
                sub.column((member::Entity, member::Column::Id))
                    .from(member::Entity)
                    .cond_where(members_cond);
                Condition::all()
                    .add(member_search::Column::ShopId.eq(shop.id))
                    .add(
                        Expr::col((member_search::Entity, member_search::Column::MemberId))
                            .in_subquery(sub),
                    )
            }
        }
    }

    /// Up to `limit` members matching `cond` (on this source's table), sorted by the
    /// sort column when `sorted`, then by id, in `dir`.
    async fn fetch<C: ConnectionTrait>(
        self,
        conn: &C,
        shop: &Shop,
        cond: Condition,
        sorted: bool,
        dir: Order,
        limit: u64,
    ) -> Result<Vec<member::Model>> {
        let (col, id) = self.columns();
        let col = col.filter(|_| sorted);
        match self {
            Source::Row(_) => {
                let mut query = member::Entity::find().filter(cond);
                if let Some(col) = col {
                    query = query.order_by(Expr::col(col), dir.clone());
                }
                Ok(query
                    .order_by(Expr::col(id), dir)
                    .limit(limit)
                    .all(conn)
                    .await?)
            }
            Source::Copy(_) => {
                // The page's ids in the copy's index order, then their rows.
                let mut query = Query::select();
                query
                    .column(member_search::Column::MemberId)
                    .from(member_search::Entity)
                    .cond_where(cond);
                if let Some(col) = col {
                    query.order_by(col, dir.clone());
                }
                query.order_by(id, dir).limit(limit);
                let ids = conn
                    .query_all(&query)
                    .await?
                    .iter()
                    .map(|row| row.try_get::<Uuid>("", "member_id"))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut rows = member::Entity::find()
                    .filter(member::Column::ShopId.eq(shop.id))
                    .filter(member::Column::Id.is_in(ids.clone()))
                    .all(conn)
                    .await?;
                let at: HashMap<Uuid, usize> =
                    ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
                rows.sort_by_key(|row| at.get(&row.id).copied().unwrap_or(usize::MAX));
                Ok(rows)
            }
        }
    }
}

/// Sort fields that may be empty (no purchase yet, not registered).
fn nullable(field: SortField) -> bool {
    matches!(field, SortField::LastPurchase | SortField::RegisteredAt)
}

/// Rows after the cursor in the given order, as a condition on `source`'s table.
fn after(order: MemberOrder, source: Source, cursor: &MemberCursor) -> Result<Condition> {
    let (col, id) = source.columns();
    let (beyond_id, beyond) = if order.descending {
        (Expr::col(id).lt(cursor.id), true)
    } else {
        (Expr::col(id).gt(cursor.id), false)
    };
    let past = |col: ColumnRef, v: sea_orm::Value| {
        if beyond {
            Expr::col(col).lt(v)
        } else {
            Expr::col(col).gt(v)
        }
    };
    let tie = |col: ColumnRef, v: sea_orm::Value| {
        Condition::all()
            .add(Expr::col(col).eq(v))
            .add(beyond_id.clone())
    };
    let mismatch = || DomainError::invalid("after", "the cursor belongs to another order");
    Ok(match (col, &cursor.key) {
        (None, SortKey::None) => Condition::all().add(beyond_id.clone()),
        (Some(col), SortKey::Text(v)) => Condition::any()
            .add(past(col.clone(), v.clone().into()))
            .add(tie(col, v.clone().into())),
        (Some(col), SortKey::Int(v)) => Condition::any()
            .add(past(col.clone(), (*v).into()))
            .add(tie(col, (*v).into())),
        // Only the rows with a value: the empty ones, which follow, are read apart.
        (Some(col), SortKey::Time(Some(v))) => Condition::any()
            .add(past(col.clone(), (*v).into()))
            .add(tie(col, (*v).into())),
        (Some(col), SortKey::Time(None)) => Condition::all()
            .add(Expr::col(col).is_null())
            .add(beyond_id.clone()),
        _ => return Err(mismatch()),
    })
}

/// Longest sort text a cursor may carry: a folded name (names have at most 200
/// characters; folding rarely lengthens one).
const MAX_CURSOR_TEXT: usize = 1_000;

/// Checks that `cursor` was made for this filter and order, and that its sort value is
/// one this order's column could hold: cursors come back from clients, and a value the
/// database cannot compare (a NUL, a year it cannot store) would fail the statement
/// on one database and be read differently on the other.
pub fn check_cursor(
    cursor: &MemberCursor,
    filter: &MemberFilter,
    order: MemberOrder,
) -> Result<()> {
    if cursor.of != fingerprint(filter, order) {
        return Err(DomainError::invalid(
            "after",
            "the cursor belongs to another filter or order; start again without `after`",
        ));
    }
    let fits = match (&cursor.key, order.field) {
        (SortKey::Text(t), SortField::Name) => {
            !t.contains('\0') && t.chars().count() <= MAX_CURSOR_TEXT
        }
        (
            SortKey::Int(_),
            SortField::TotalSpent | SortField::TotalOrders | SortField::AvailablePoints,
        ) => true,
        (SortKey::Time(t), SortField::LastPurchase | SortField::RegisteredAt) => {
            t.is_none_or(|t| (1..=9999).contains(&t.year()))
        }
        (SortKey::None, SortField::Created) => true,
        _ => false,
    };
    if !fits {
        return Err(DomainError::invalid(
            "after",
            "the cursor does not fit this order; start again without `after`",
        ));
    }
    Ok(())
}

/// One page of members matching `filter` in `order`, after `after`.
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    now: DateTime<Utc>,
    filter: &MemberFilter,
    order: MemberOrder,
    after_cursor: Option<&MemberCursor>,
    limit: u64,
) -> Result<Page<MemberCursor, Member>> {
    filter.validate()?;
    let source = source(order.field);
    let base = source.matching(shop, condition(conn, shop, now, filter).await?);
    let mut cond = base.clone();
    if let Some(c) = after_cursor {
        check_cursor(c, filter, order)?;
        cond = cond.add(after(order, source, c)?);
    }
    let dir = if order.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let rows = match source.columns().0 {
        Some(col) if nullable(order.field) => {
            // Rows with a value, then the empty ones, each an index range of its own:
            // one ORDER BY that put empty values last would sort the whole shop.
            let in_values = !matches!(after_cursor, Some(c) if c.key == SortKey::Time(None));
            let mut rows = if in_values {
                let valued = cond.clone().add(Expr::col(col.clone()).is_not_null());
                source
                    .fetch(conn, shop, valued, true, dir.clone(), limit + 1)
                    .await?
            } else {
                Vec::new()
            };
            let wanted = limit + 1 - rows.len() as u64;
            if wanted > 0 {
                // The cursor's `after` applies to valued rows only; start afresh.
                let empty = Condition::all()
                    .add(Expr::col(col).is_null())
                    .add(if in_values { base } else { cond });
                rows.extend(source.fetch(conn, shop, empty, false, dir, wanted).await?);
            }
            rows
        }
        _ => source.fetch(conn, shop, cond, true, dir, limit + 1).await?,
    };
    let of = fingerprint(filter, order);
    let items = rows
        .into_iter()
        .map(|row| {
            let cursor = MemberCursor {
                key: key_of(&row, order.field),
                id: row.id,
                of: of.clone(),
            };
            Ok((cursor, Member::from_row(row)?))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit))
}

/// How many members match, exactly.
pub async fn count<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    now: DateTime<Utc>,
    filter: &MemberFilter,
) -> Result<u64> {
    filter.validate()?;
    let cond = condition(conn, shop, now, filter).await?;
    Ok(member::Entity::find().filter(cond).count(conn).await?)
}

/// Ids of every member matching, in id order, a batch at a time (exports, campaigns).
pub async fn ids_after<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    now: DateTime<Utc>,
    filter: &MemberFilter,
    after_id: Option<Uuid>,
    limit: u64,
) -> Result<Vec<member::Model>> {
    let mut cond = condition(conn, shop, now, filter).await?;
    if let Some(a) = after_id {
        cond = cond.add(member::Column::Id.gt(a));
    }
    Ok(member::Entity::find()
        .filter(cond)
        .order_by_asc(member::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(key: SortKey, order: MemberOrder) -> MemberCursor {
        MemberCursor {
            key,
            id: Uuid::nil(),
            of: fingerprint(&MemberFilter::default(), order),
        }
    }

    fn fits(key: SortKey, field: SortField) -> bool {
        let order = MemberOrder {
            field,
            descending: false,
        };
        check_cursor(&cursor(key, order), &MemberFilter::default(), order).is_ok()
    }

    #[test]
    fn a_cursor_key_must_fit_its_order() {
        let time = |y: i32| {
            DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .ok()
                .and_then(|t| t.with_year(y))
                .map(|t| t.with_timezone(&Utc))
        };
        assert!(fits(SortKey::Text("nguyen van a".into()), SortField::Name));
        assert!(fits(SortKey::Int(-5), SortField::AvailablePoints));
        assert!(fits(SortKey::Time(time(2026)), SortField::RegisteredAt));
        assert!(fits(SortKey::Time(None), SortField::LastPurchase));
        assert!(fits(SortKey::None, SortField::Created));

        assert!(!fits(SortKey::Int(1), SortField::Name));
        assert!(!fits(SortKey::Text("1".into()), SortField::TotalSpent));
        assert!(!fits(SortKey::None, SortField::Name));
        assert!(!fits(SortKey::Time(None), SortField::Created));
        assert!(!fits(SortKey::Text("a\0b".into()), SortField::Name));
        assert!(!fits(SortKey::Text("a".repeat(1_001)), SortField::Name));
        assert!(!fits(SortKey::Time(time(-4800)), SortField::RegisteredAt));
        assert!(!fits(SortKey::Time(time(10_000)), SortField::LastPurchase));
    }
}
