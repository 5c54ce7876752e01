//! Topping up a shop's messaging balance, which resumes the campaigns that stopped for
//! want of it: here, above `messaging`, because the balance knows nothing of campaigns.
use super::CampaignStatus;
use crate::messaging::balance::{add_top_up, check_top_up};
use crate::{Ctx, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::campaign;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

/// What a top-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopUp {
    /// The top-up's id.
    pub id: Uuid,
    /// Balance after it, VND.
    pub balance: i64,
    /// Campaigns stopped for balance that resume.
    pub campaigns_resumed: u64,
}

/// Adds `amount` VND to the messaging balance of `shop_id` and resumes the shop's
/// campaigns that stopped for want of it, in one transaction. Only the operator may call
/// this (the API and the CLI check it): a shop topping itself up would make the balance
/// cap nothing.
pub async fn top_up(ctx: &Ctx, shop_id: Uuid, amount: i64, note: Option<&str>) -> Result<TopUp> {
    let note = check_top_up(amount, note)?;
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let added = add_top_up(&txn, shop_id, amount, note, now).await?;
    let resumed = resume_out_of_balance(&txn, shop_id, now).await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Ok(TopUp {
        id: added.id,
        balance: added.balance_after,
        campaigns_resumed: resumed,
    })
}

/// Sets the shop's campaigns stopped for want of balance sending again; returns how many.
async fn resume_out_of_balance<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(campaign::Entity::update_many()
        .col_expr(
            campaign::Column::Status,
            Expr::value(CampaignStatus::Sending.as_str()),
        )
        .col_expr(
            campaign::Column::StatusReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .filter(campaign::Column::ShopId.eq(shop_id))
        .filter(campaign::Column::Status.eq(CampaignStatus::OutOfBalance.as_str()))
        .exec(conn)
        .await?
        .rows_affected)
}
