//! The second consent check, at send time: a recipient frozen while still opted in who
//! opted out since (after the campaign was scheduled or started) is skipped with
//! `OPTED_OUT` instead of being claimed, in the claim's own transaction.
use crate::Result;
use crate::campaigns::DeliveryStatus;
use crate::messaging::consent::{OPTED_OUT, opted_out_among};
use crate::messaging::{ChannelKind, balance};
use chrono::{DateTime, Utc};
use loyalty_entities::{campaign, campaign_delivery};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Skips the `candidates` whose member opted out of `kind`, giving back what a skipped one
/// held from an earlier attempt and counting it among the campaign's skipped; returns the
/// others. The caller holds the shop's account and the campaign locked.
pub async fn skip_opted_out<C: ConnectionTrait>(
    conn: &C,
    row: &campaign::Model,
    kind: ChannelKind,
    candidates: Vec<campaign_delivery::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<campaign_delivery::Model>> {
    let members: Vec<_> = candidates.iter().map(|d| d.member_id).collect();
    let opted_out = opted_out_among(conn, row.shop_id, kind, &members).await?;
    if opted_out.is_empty() {
        return Ok(candidates);
    }
    let (skip, keep): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .partition(|d| opted_out.contains(&d.member_id));
    let mut skipped = 0i64;
    for d in skip {
        // Guarded like a claim: a delivery another worker took meanwhile is left to it.
        let done = campaign_delivery::Entity::update_many()
            .col_expr(
                campaign_delivery::Column::Status,
                Expr::value(DeliveryStatus::Skipped),
            )
            .col_expr(
                campaign_delivery::Column::SkipReason,
                Expr::value(OPTED_OUT),
            )
            .col_expr(
                campaign_delivery::Column::Address,
                Expr::value(Option::<String>::None),
            )
            .col_expr(campaign_delivery::Column::Held, Expr::value(0i64))
            .col_expr(
                campaign_delivery::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(campaign_delivery::Column::UpdatedAt, Expr::value(now))
            .filter(campaign_delivery::Column::ShopId.eq(d.shop_id))
            .filter(campaign_delivery::Column::Id.eq(d.id))
            .filter(campaign_delivery::Column::Status.eq(d.status))
            .filter(campaign_delivery::Column::Attempts.eq(d.attempts))
            .exec(conn)
            .await?;
        if done.rows_affected == 1 {
            balance::release(conn, row.shop_id, d.held).await?;
            skipped += 1;
        }
    }
    if skipped > 0 {
        campaign::Entity::update_many()
            .col_expr(
                campaign::Column::Skipped,
                Expr::col(campaign::Column::Skipped).add(skipped),
            )
            .filter(campaign::Column::ShopId.eq(row.shop_id))
            .filter(campaign::Column::Id.eq(row.id))
            .exec(conn)
            .await?;
    }
    Ok(keep)
}
