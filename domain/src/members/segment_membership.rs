//! Whether one customer is in some saved segments now: what the `segment` eligibility
//! rule reads. A segment is a filter, so membership is its condition narrowed to the
//! customer's row, one indexed look-up per segment; a checkout asks only about the
//! segments its offers name.
use super::filter::{MemberFilter, condition};
use crate::shops::Shop;
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::{member, segment};
use loyalty_rules::SegmentMembership;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

/// Most segments one checkout evaluates: offers per checkout are few, and each segment
/// is a query.
pub const MAX_SEGMENTS: usize = 20;

/// The memberships of `customer` (none: a guest, in no segment) in the segments `ids`
/// at `now`. Ids that name no segment of the shop are left out (the rule then says the
/// segment no longer exists).
pub async fn memberships<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    now: DateTime<Utc>,
    customer: Option<Uuid>,
    ids: &[String],
) -> Result<Vec<SegmentMembership>> {
    let ids: Vec<Uuid> = ids
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .take(MAX_SEGMENTS)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = segment::Entity::find()
        .filter(segment::Column::ShopId.eq(shop.id))
        .filter(segment::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let member = match customer {
            Some(id) => {
                let filter: MemberFilter = serde_json::from_str(&row.filter)
                    .map_err(|e| DomainError::Internal(format!("stored segment filter: {e}")))?;
                let cond = condition(conn, shop, now, &filter).await?;
                member::Entity::find()
                    .filter(cond)
                    .filter(member::Column::Id.eq(id))
                    .count(conn)
                    .await?
                    > 0
            }
            None => false,
        };
        out.push(SegmentMembership {
            id: row.id.to_string(),
            name: row.name,
            member,
        });
    }
    Ok(out)
}
