//! Applying a job's action to one member, with the one-off mutations' own rules.
use super::job::BulkAction;
use crate::ledger::adjust::apply_in;
use crate::ledger::lots::lock_member;
use crate::members::registration::register_in;
use crate::offers::Offer;
use crate::vouchers::VoucherSource;
use crate::vouchers::issue::issue_in;
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::offer;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

/// The action with what a batch reads once for all its members.
pub enum Prepared {
    /// Points to add or remove, and why.
    Adjust {
        /// Signed points.
        points: i64,
        /// The ledger's reason.
        reason: String,
    },
    /// Registration.
    Register,
    /// The offer, or why none can be issued (every member then fails with it).
    Issue(std::result::Result<Box<Offer>, String>),
}

impl Prepared {
    /// Reads what the action needs for a batch of `shop_id`.
    pub async fn load<C: ConnectionTrait>(
        conn: &C,
        shop_id: Uuid,
        action: &BulkAction,
    ) -> Result<Self> {
        Ok(match action {
            BulkAction::AdjustPoints { points, reason } => Prepared::Adjust {
                points: *points,
                reason: reason.clone(),
            },
            BulkAction::RegisterMembers => Prepared::Register,
            BulkAction::IssueVouchers { offer_id } => {
                let row = offer::Entity::find_by_id((shop_id, *offer_id))
                    .one(conn)
                    .await?;
                Prepared::Issue(match row {
                    Some(row) => Ok(Box::new(Offer::from_row(row)?)),
                    None => Err("offer not found".to_owned()),
                })
            }
        })
    }
}

/// Whether `e` is the member's own refusal (recorded, and the job goes on) rather than a
/// failure of the database or of stored data (the batch is retried).
pub fn refused_for_member(e: &DomainError) -> bool {
    !matches!(
        e,
        DomainError::Db(_) | DomainError::Internal(_) | DomainError::Unauthenticated
    )
}

/// Applies the action to `member_id` inside the caller's transaction. The ledger entry
/// of an adjustment is keyed by job and member, so even a bug that applied an item
/// twice would be refused by its unique index.
pub async fn apply<C: ConnectionTrait>(
    ctx: &Ctx,
    conn: &C,
    shop_id: Uuid,
    job_id: Uuid,
    member_id: Uuid,
    prepared: &Prepared,
    now: DateTime<Utc>,
) -> Result<()> {
    match prepared {
        Prepared::Adjust { points, reason } => {
            let member = lock_member(conn, shop_id, member_id).await?;
            apply_in(
                ctx,
                conn,
                shop_id,
                member.id,
                *points,
                reason,
                format!("bulk:{job_id}:{member_id}"),
                now,
            )
            .await
        }
        Prepared::Register => {
            let policy = ctx.policies.current(conn, shop_id).await?;
            register_in(conn, &policy, shop_id, &[member_id], now)
                .await
                .map(|_| ())
        }
        Prepared::Issue(Ok(offer)) => issue_in(
            conn,
            shop_id,
            offer,
            &[member_id],
            VoucherSource::Manual,
            None,
            now,
        )
        .await
        .map(|_| ()),
        Prepared::Issue(Err(why)) => Err(DomainError::NotFound(why.clone())),
    }
}
