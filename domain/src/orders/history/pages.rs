//! Which orders a page holds: one order by the channel's id, a shop's orders by filter,
//! and the newest orders of many members at once. Every list is newest first (placement
//! time, then id) and pages by keyset, so orders recorded while someone pages (even ones
//! placed in the past) neither repeat nor shift the pages.
use super::stored::StoredOrder;
use crate::ledger::idempotency::{Scope, resource_of};
use crate::members::TimeRange;
use crate::members::profile::clean_external_id;
use crate::orders::input::Channel;
use crate::paging::Page;
use crate::{DomainError, Result};
use chrono::{DateTime, Datelike, Utc};
use loyalty_entities::order;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// Where an order page continues: after this order, in newest-first order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCursor {
    /// When the last order of the previous page was placed.
    pub placed_at: DateTime<Utc>,
    /// Its id, which orders placed at the same instant.
    pub id: Uuid,
}

impl OrderCursor {
    fn of(o: &StoredOrder) -> Self {
        Self {
            placed_at: o.placed_at,
            id: o.id,
        }
    }

    /// Cursors come back from clients: a year the databases cannot store alike would fail
    /// the statement on one of them and compare differently on the other.
    fn check(&self) -> Result<()> {
        if (1..=9999).contains(&self.placed_at.year()) {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "after",
                "`after` is not a position in this list; start again without `after`",
            ))
        }
    }
}

/// Which of a shop's orders a list holds; given criteria combine (AND).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Sold on this channel.
    pub channel: Option<Channel>,
    /// Placed in this range (`from` inclusive, `to` exclusive).
    pub placed_within: Option<TimeRange>,
    /// Of this customer (an unknown id matches nothing).
    pub member_id: Option<Uuid>,
}

impl OrderFilter {
    /// Refuses a range that ends before it starts (`BAD_USER_INPUT` on `placedWithin`).
    pub fn validate(&self) -> Result<()> {
        if let Some(TimeRange {
            from: Some(from),
            to: Some(to),
        }) = self.placed_within
            && from > to
        {
            return Err(DomainError::invalid(
                "placedWithin",
                "`from` must not be after `to`",
            ));
        }
        Ok(())
    }

    fn condition(&self, shop_id: Uuid) -> Condition {
        let mut c = Condition::all().add(order::Column::ShopId.eq(shop_id));
        if let Some(channel) = self.channel {
            c = c.add(order::Column::Channel.eq(channel.as_str()));
        }
        if let Some(member) = self.member_id {
            c = c.add(order::Column::MemberId.eq(member));
        }
        if let Some(range) = self.placed_within {
            if let Some(from) = range.from {
                c = c.add(order::Column::PlacedAt.gte(from));
            }
            if let Some(to) = range.to {
                c = c.add(order::Column::PlacedAt.lt(to));
            }
        }
        c
    }
}

/// The orders after `cursor`, newest first. The first bound says nothing the second
/// does not, but an index can start at it: PostgreSQL only filters by the second.
fn after(cursor: &OrderCursor) -> Condition {
    Condition::all()
        .add(Expr::col(order::Column::PlacedAt).lte(cursor.placed_at))
        .add(
            Condition::any()
                .add(Expr::col(order::Column::PlacedAt).lt(cursor.placed_at))
                .add(
                    Condition::all()
                        .add(Expr::col(order::Column::PlacedAt).eq(cursor.placed_at))
                        .add(Expr::col(order::Column::Id).lt(cursor.id)),
                ),
        )
}

/// A page of the shop's orders matching `filter`, newest first: the query behind the
/// shop's order list and a member's order pages after the first.
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    filter: &OrderFilter,
    after_cursor: Option<&OrderCursor>,
    limit: u64,
) -> Result<Page<OrderCursor, StoredOrder>> {
    filter.validate()?;
    let mut cond = filter.condition(shop_id);
    if let Some(c) = after_cursor {
        c.check()?;
        cond = cond.add(after(c));
    }
    let rows = order::Entity::find()
        .filter(cond)
        .order_by_desc(order::Column::PlacedAt)
        .order_by_desc(order::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let o = StoredOrder::from_row(r)?;
            Ok((OrderCursor::of(&o), o))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit))
}

/// The order whose channel id is `external_id`, if the shop has one. The id is found
/// through the order's idempotency key, the one index that keeps it unique.
pub async fn by_external_id<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    external_id: &str,
) -> Result<Option<StoredOrder>> {
    let key = clean_external_id(external_id)
        .map_err(|_| DomainError::invalid("externalId", "an order id has 1 to 100 characters"))?;
    order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::Id.in_subquery(resource_of(shop_id, Scope::Order, &key)))
        .one(conn)
        .await?
        .map(StoredOrder::from_row)
        .transpose()
}

/// The shop's orders `ids`, in one statement (for what links to an order, such as the
/// voucher an order used); unknown ids are left out.
pub async fn by_ids<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, StoredOrder>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| StoredOrder::from_row(row).map(|o| (o.id, o)))
        .collect()
}

/// The newest `n` orders of each of `members` (and whether more exist), in one
/// statement: a window function numbers each member's orders newest first, so a page of
/// members with their recent orders costs the same whatever the page size. Every member
/// asked for has a page, empty if it has no order (or is no member of the shop).
pub async fn newest_of_many<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    members: &[Uuid],
    n: u64,
) -> Result<HashMap<Uuid, Page<OrderCursor, StoredOrder>>> {
    let mut out: HashMap<Uuid, Vec<(OrderCursor, StoredOrder)>> =
        members.iter().map(|m| (*m, Vec::new())).collect();
    if !members.is_empty() {
        let recent = order::Entity::find()
            .filter(order::Column::ShopId.eq(shop_id))
            .filter(order::Column::MemberId.is_in(members.to_vec()))
            .into_query();
        let first = crate::paging::first_of_each_member(recent, "placed_at DESC, id DESC", n);
        let rows = conn
            .query_all_raw(conn.get_database_backend().build(&first))
            .await?;
        for row in rows {
            let o = StoredOrder::from_row(order::Model::from_query_result(&row, "")?)?;
            if let Some(list) = out.get_mut(&o.member_id) {
                list.push((OrderCursor::of(&o), o));
            }
        }
    }
    Ok(out
        .into_iter()
        .map(|(m, mut items)| {
            items.sort_by_key(|(c, _)| std::cmp::Reverse((c.placed_at, c.id)));
            (m, Page::from_overfetch(items, n))
        })
        .collect())
}
