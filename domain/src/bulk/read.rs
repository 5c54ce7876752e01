//! Reading a job's progress and its failed members.
use super::job::{BulkJob, ItemState};
use crate::{DomainError, Result};
use loyalty_entities::{bulk_job, bulk_job_item};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Most failures one read returns.
pub const MAX_FAILURES: u64 = 100;

/// The shop's job `id`.
pub async fn get<C: ConnectionTrait>(conn: &C, shop_id: Uuid, id: Uuid) -> Result<BulkJob> {
    let row = bulk_job::Entity::find_by_id((shop_id, id))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("bulk job not found".into()))?;
    BulkJob::from_row(&row)
}

/// Up to `first` (at most [`MAX_FAILURES`]) members the job's action was refused for,
/// in member id order, with the reason.
pub async fn failures<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    job_id: Uuid,
    first: u64,
) -> Result<Vec<(Uuid, String)>> {
    if first > MAX_FAILURES {
        return Err(DomainError::invalid(
            "first",
            format!("at most {MAX_FAILURES}"),
        ));
    }
    let rows = bulk_job_item::Entity::find()
        .filter(bulk_job_item::Column::ShopId.eq(shop_id))
        .filter(bulk_job_item::Column::JobId.eq(job_id))
        .filter(bulk_job_item::Column::State.eq(ItemState::Failed.as_str()))
        .order_by_asc(bulk_job_item::Column::MemberId)
        .limit(first)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.member_id, r.error.unwrap_or_default()))
        .collect())
}
