//! Reading the trail, newest first, by key, action, target and time.
use crate::Result;
use crate::paging::Page;
use chrono::{DateTime, Utc};
use loyalty_entities::{audit_log, audit_target};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// One row of the trail.
pub type AuditRow = audit_log::Model;

/// Which rows to read; every part narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Made with this key.
    pub key_id: Option<Uuid>,
    /// This action (`adjustPoints`).
    pub action: Option<String>,
    /// Touching this id.
    pub target_id: Option<String>,
    /// Made at or after.
    pub from: Option<DateTime<Utc>>,
    /// Made before.
    pub to: Option<DateTime<Utc>>,
}

/// A page of `shop_id`'s rows matching `filter`, newest first, after the row `after`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    filter: &AuditFilter,
    first: u64,
    after: Option<Uuid>,
) -> Result<Page<Uuid, AuditRow>> {
    let mut query = audit_log::Entity::find().filter(audit_log::Column::ShopId.eq(shop_id));
    if let Some(key) = filter.key_id {
        query = query.filter(audit_log::Column::ActorKeyId.eq(key));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::Column::Action.eq(action.as_str()));
    }
    if let Some(target) = &filter.target_id {
        query = query.filter(
            audit_log::Column::Id.in_subquery(
                Query::select()
                    .column(audit_target::Column::AuditId)
                    .from(audit_target::Entity)
                    .and_where(audit_target::Column::ShopId.eq(shop_id))
                    .and_where(audit_target::Column::TargetId.eq(target.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::Column::At.lt(to));
    }
    if let Some(after) = after {
        query = query.filter(audit_log::Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(audit_log::Column::Id)
        .limit(first + 1)
        .all(conn)
        .await?;
    Ok(Page::from_overfetch(
        rows.into_iter().map(|r| (r.id, r)).collect(),
        first,
    ))
}
