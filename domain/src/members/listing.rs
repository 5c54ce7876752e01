//! Paged member listing with keyset cursors.
//!
//! The filter and the order are values of their own so that search criteria and sort
//! keys slot in without changing the paging: a cursor holds the sort key of the last
//! row plus its id, the tie-breaker that makes the order total.
use super::Member;
use crate::Result;
use crate::paging::Page;
use loyalty_entities::member;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which members to list. All criteria combine with AND; an empty filter lists everyone.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Only registered members (`Some(true)`) or only customers not registered (`Some(false)`).
    pub registered: Option<bool>,
}

/// Where a page continues: after the member with this id (creation order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCursor {
    /// Id of the last member of the previous page.
    pub id: Uuid,
}

fn condition(shop_id: Uuid, filter: &MemberFilter) -> Condition {
    let mut cond = Condition::all().add(member::Column::ShopId.eq(shop_id));
    if let Some(registered) = filter.registered {
        cond = cond.add(if registered {
            member::Column::RegisteredAt.is_not_null()
        } else {
            member::Column::RegisteredAt.is_null()
        });
    }
    cond
}

/// One page of members after `after`, oldest first.
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    filter: &MemberFilter,
    after: Option<MemberCursor>,
    limit: u64,
) -> Result<Page<MemberCursor, Member>> {
    let mut cond = condition(shop_id, filter);
    if let Some(after) = after {
        cond = cond.add(member::Column::Id.gt(after.id));
    }
    let rows = member::Entity::find()
        .filter(cond)
        .order_by_asc(member::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|row| Ok((MemberCursor { id: row.id }, Member::from_row(row)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit))
}

/// How many members match, exactly.
pub async fn count<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    filter: &MemberFilter,
) -> Result<u64> {
    Ok(member::Entity::find()
        .filter(condition(shop_id, filter))
        .count(conn)
        .await?)
}
