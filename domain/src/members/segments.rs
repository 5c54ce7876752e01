//! Segments: merchants' saved filters. A segment stores the filter, never a list of
//! members, so it is evaluated afresh on every read.
use super::filter::MemberFilter;
use crate::{Ctx, DomainError, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::segment;
use sea_orm::TransactionTrait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, SqlErr,
};
use uuid::Uuid;

/// A saved filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Its id.
    pub id: Uuid,
    /// Its name, unique in the shop.
    pub name: String,
    /// The filter.
    pub filter: MemberFilter,
    /// Created.
    pub created_at: DateTime<Utc>,
}

fn from_row(row: segment::Model) -> Result<Segment> {
    Ok(Segment {
        filter: serde_json::from_str(&row.filter)
            .map_err(|e| DomainError::Internal(format!("stored segment filter: {e}")))?,
        id: row.id,
        name: row.name,
        created_at: row.created_at,
    })
}

fn check(name: &str, filter: &MemberFilter) -> Result<(String, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::invalid(
            "name",
            "a segment name has 1 to 100 characters",
        ));
    }
    if filter.segment_id.is_some() {
        return Err(DomainError::invalid(
            "filter.segmentId",
            "a segment cannot contain another segment",
        ));
    }
    filter.validate()?;
    let json = serde_json::to_string(filter).map_err(|e| DomainError::Internal(e.to_string()))?;
    Ok((name.to_owned(), json))
}

fn duplicate(e: sea_orm::DbErr, name: &str) -> DomainError {
    if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        DomainError::invalid("name", format!("a segment named '{name}' already exists"))
    } else {
        e.into()
    }
}

/// Saves a named filter.
pub async fn create(ctx: &Ctx, shop_id: Uuid, name: &str, filter: MemberFilter) -> Result<Segment> {
    let (name, json) = check(name, &filter)?;
    let now = ctx.clock.now();
    let row = segment::Model {
        shop_id,
        id: new_id(),
        name: name.clone(),
        filter: json,
        created_at: now,
        updated_at: now,
    };
    let txn = ctx.db.begin().await?;
    segment::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await
        .map_err(|e| duplicate(e, &name))?;
    crate::audit::record(&txn, shop_id, &[row.id]).await?;
    txn.commit().await?;
    from_row(row)
}

/// Renames a segment or changes its filter.
pub async fn update(
    ctx: &Ctx,
    shop_id: Uuid,
    id: Uuid,
    name: &str,
    filter: MemberFilter,
) -> Result<Segment> {
    let (name, json) = check(name, &filter)?;
    let txn = ctx.db.begin().await?;
    let row = segment::Entity::find_by_id((shop_id, id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("segment not found".into()))?;
    let mut active = row.into_active_model();
    active.name = Set(name.clone());
    active.filter = Set(json);
    active.updated_at = Set(ctx.clock.now());
    let saved = active.update(&txn).await.map_err(|e| duplicate(e, &name))?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    from_row(saved)
}

/// Deletes a segment.
pub async fn delete(ctx: &Ctx, shop_id: Uuid, id: Uuid) -> Result<bool> {
    let txn = ctx.db.begin().await?;
    let n = segment::Entity::delete_by_id((shop_id, id))
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(DomainError::NotFound("segment not found".into()));
    }
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Ok(true)
}

/// A segment of the shop.
pub async fn get<C: ConnectionTrait>(conn: &C, shop_id: Uuid, id: Uuid) -> Result<Option<Segment>> {
    segment::Entity::find_by_id((shop_id, id))
        .one(conn)
        .await?
        .map(from_row)
        .transpose()
}

/// The shop's segments by name.
pub async fn list<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Vec<Segment>> {
    segment::Entity::find()
        .filter(segment::Column::ShopId.eq(shop_id))
        .order_by_asc(segment::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}
