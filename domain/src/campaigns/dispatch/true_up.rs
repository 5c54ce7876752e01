//! Each message is charged what it costs once filled in. The claim holds the campaign's
//! price per message, measured on the template with sample values; a member's own fields
//! (a long name, a voucher code) can make an SMS one segment longer or shorter, so before
//! sending, the worker sets the hold to the rendered message's price: it takes the
//! difference from the balance or gives it back, in one transaction with the delivery's
//! guarded update. What the delivery is charged when sent is then what the provider bills.
use super::claim::stop_out_of_balance;
use super::outcome::{guarded, unattempted};
use crate::messaging::balance;
use crate::{Ctx, Result};
use loyalty_entities::{campaign, campaign_delivery};
use sea_orm::TransactionTrait;
use sea_orm::sea_query::Expr;

/// What became of a claimed delivery's hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// The delivery holds what its message costs: send it.
    Covered(Box<campaign_delivery::Model>),
    /// The balance cannot pay the difference: the delivery waits in the queue (not an
    /// attempt) and the campaign stops until a top-up.
    Short,
    /// The claim is no longer this worker's: send nothing.
    Lost,
}

/// Makes the claimed delivery `d` of campaign `row` hold `price`, the VND of its rendered
/// message.
pub async fn true_up(
    ctx: &Ctx,
    row: &campaign::Model,
    d: campaign_delivery::Model,
    price: i64,
) -> Result<Hold> {
    if price == d.held {
        return Ok(Hold::Covered(Box::new(d)));
    }
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    // The account first, then the delivery, as the claim takes them.
    if price > d.held {
        if !balance::hold(&txn, d.shop_id, price - d.held).await? {
            drop(txn);
            return requeue(ctx, row, &d, price).await;
        }
    } else {
        balance::release(&txn, d.shop_id, d.held - price).await?;
    }
    let done = guarded(&d)
        .col_expr(campaign_delivery::Column::Held, Expr::value(price))
        .col_expr(campaign_delivery::Column::UpdatedAt, Expr::value(now))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        // Rolled back: the balance stays as it was.
        return Ok(Hold::Lost);
    }
    txn.commit().await?;
    Ok(Hold::Covered(Box::new(campaign_delivery::Model {
        held: price,
        updated_at: now,
        ..d
    })))
}

/// The balance cannot pay `price`: stop the campaign as the claim does, and put the
/// delivery back first in line, keeping what it holds.
async fn requeue(
    ctx: &Ctx,
    row: &campaign::Model,
    d: &campaign_delivery::Model,
    price: i64,
) -> Result<Hold> {
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    stop_out_of_balance(&txn, row, price, now).await?;
    let done = unattempted(d, now, now).exec(&txn).await?;
    txn.commit().await?;
    Ok(if done.rows_affected == 1 {
        Hold::Short
    } else {
        Hold::Lost
    })
}
