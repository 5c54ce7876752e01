//! What a campaign will send and cost, before it goes out: recipients with an address on
//! the channel, the skipped by reason, message segments, the cost, and whether the
//! messaging balance covers what is still to pay.
//!
//! Until the recipients are frozen it counts the audience as it is now, with one count
//! over the members (and one more when the program narrows the audience to registered
//! members); from then on it counts the frozen deliveries, with one grouped count. Neither
//! reads a page per member, and neither renders a member's message: a message's segments
//! are those of the content filled in with sample values and the shop's name.
use super::audience::reached;
use super::message_price::message_price;
use super::report::SkipCount;
use super::{Campaign, DeliveryStatus};
use crate::Result;
use crate::members::filter::condition;
use crate::members::listing;
use crate::messaging::consent::{OPTED_OUT, opt_out_of_member_row};
use crate::messaging::{Prices, balance};
use crate::shops::Shop;
use crate::sql::sum_bigint;
use chrono::{DateTime, Utc};
use loyalty_entities::{campaign_delivery, member};
use sea_orm::sea_query::{Condition, Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::BTreeMap;

/// The skip reason, in an estimate made before sending, of audience members the campaign
/// does not reach because they are not registered members (`includeNonMembers` unset in a
/// `MEMBERS_ONLY` program). Frozen recipients never have it: they were never frozen.
pub const NOT_MEMBER: &str = "NOT_MEMBER";

/// A campaign's estimate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// Counted from the frozen recipients (true) or from the audience now (false).
    pub frozen: bool,
    /// Recipients a message goes (or went) to: with an address on the channel and not
    /// opted out of it.
    pub recipients: i64,
    /// Members of the audience no message goes to.
    pub skipped: i64,
    /// The skipped by reason, by reason's name; reasons with none are left out.
    pub skipped_by_reason: Vec<SkipCount>,
    /// Billable segments of one message (the content with sample values).
    pub segments_per_message: i64,
    /// Segments of every recipient's message.
    pub segments: i64,
    /// VND per segment on the campaign's channel.
    pub price_per_segment: i64,
    /// What the campaign costs, VND: before sending, every recipient's message; once
    /// frozen, what sent messages cost, plus what is held for those in flight, plus the
    /// price of those still queued (failed and cancelled ones cost nothing).
    pub cost: i64,
    /// Of it, what the balance has yet to pay (neither charged nor held), VND.
    pub to_pay: i64,
    /// The shop's messaging balance now, VND.
    pub balance: i64,
    /// Whether the balance covers `to_pay`.
    pub balance_covers: bool,
}

/// Estimates the shop's `campaign` at `now` with the channels' `prices`.
pub async fn estimate<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    now: DateTime<Utc>,
    campaign: &Campaign,
    prices: Prices,
) -> Result<Estimate> {
    let price = message_price(&campaign.content, &shop.name, prices).await?;
    let (segments_per_message, price_per_segment) = (price.segments, price.per_segment);
    let unit = price.total();
    let counts = if campaign.started_at.is_some() {
        frozen(conn, shop, campaign, unit).await?
    } else {
        from_audience(conn, shop, now, campaign, unit).await?
    };
    let balance = balance::balance(conn, shop.id).await?;
    let skipped_by_reason: Vec<SkipCount> = counts
        .skipped
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(reason, count)| SkipCount { reason, count })
        .collect();
    Ok(Estimate {
        frozen: campaign.started_at.is_some(),
        recipients: counts.recipients,
        skipped: skipped_by_reason.iter().map(|s| s.count).sum(),
        skipped_by_reason,
        segments_per_message,
        segments: counts.recipients.saturating_mul(segments_per_message),
        price_per_segment,
        cost: counts.cost,
        to_pay: counts.to_pay,
        balance,
        balance_covers: balance >= counts.to_pay,
    })
}

struct Counts {
    recipients: i64,
    skipped: BTreeMap<String, i64>,
    cost: i64,
    to_pay: i64,
}

/// Before sending: the members the campaign reaches now, as freezing would split them.
async fn from_audience<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    now: DateTime<Utc>,
    campaign: &Campaign,
    unit: i64,
) -> Result<Counts> {
    let channel = campaign.channel;
    let mut skipped = BTreeMap::new();
    let filter = reached(conn, shop.id, campaign).await?;
    let (mut total, mut with_address, mut opted_out) = (0i64, 0i64, 0i64);
    if let Some(filter) = &filter {
        let cond = condition(conn, shop, now, filter).await?;
        let when = |c: Condition| sum_bigint(Expr::case(c, 1i64).finally(0i64));
        let row: Option<(i64, i64, i64)> = member::Entity::find()
            .filter(cond)
            .select_only()
            .expr(Func::cast_as(Func::count(Expr::val(1)), "BIGINT"))
            .expr(when(channel.has_address()))
            .expr(when(
                channel
                    .has_address()
                    .add(Expr::exists(opt_out_of_member_row(channel))),
            ))
            .into_tuple()
            .one(conn)
            .await?;
        (total, with_address, opted_out) = row.unwrap_or_default();
    }
    if filter.as_ref() != Some(&campaign.audience) {
        let audience = listing::count(conn, shop, now, &campaign.audience).await?;
        let audience = i64::try_from(audience).unwrap_or(i64::MAX);
        skipped.insert(NOT_MEMBER.to_owned(), audience.saturating_sub(total));
    }
    skipped.insert(channel.skip_reason().to_owned(), total - with_address);
    skipped.insert(OPTED_OUT.to_owned(), opted_out);
    let recipients = with_address - opted_out;
    let cost = recipients.saturating_mul(unit);
    Ok(Counts {
        recipients,
        skipped,
        cost,
        to_pay: cost,
    })
}

/// Once frozen: the deliveries, by status and skip reason, in one grouped count.
async fn frozen<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    campaign: &Campaign,
    unit: i64,
) -> Result<Counts> {
    let d = |c: campaign_delivery::Column| Expr::col(c);
    let rows: Vec<(DeliveryStatus, Option<String>, i64, i64, i64, i64)> =
        campaign_delivery::Entity::find()
            .filter(campaign_delivery::Column::ShopId.eq(shop.id))
            .filter(campaign_delivery::Column::CampaignId.eq(campaign.id))
            .select_only()
            .column(campaign_delivery::Column::Status)
            .column(campaign_delivery::Column::SkipReason)
            .expr(Func::cast_as(Func::count(Expr::val(1)), "BIGINT"))
            .expr(sum_bigint(d(campaign_delivery::Column::Cost)))
            .expr(sum_bigint(d(campaign_delivery::Column::Held)))
            .expr(sum_bigint(
                Expr::case(campaign_delivery::Column::Held.eq(0i64), 1i64).finally(0i64),
            ))
            .group_by(campaign_delivery::Column::Status)
            .group_by(campaign_delivery::Column::SkipReason)
            .into_tuple()
            .all(conn)
            .await?;
    let mut c = Counts {
        recipients: 0,
        skipped: BTreeMap::new(),
        cost: 0,
        to_pay: 0,
    };
    for (status, reason, n, cost, held, unheld) in rows {
        c.cost += cost + held;
        match status {
            DeliveryStatus::Skipped => {
                *c.skipped.entry(reason.unwrap_or_default()).or_default() += n;
                continue;
            }
            DeliveryStatus::Queued | DeliveryStatus::Sending => {
                let due = unheld.saturating_mul(unit);
                c.cost += due;
                c.to_pay += due;
            }
            DeliveryStatus::Sent
            | DeliveryStatus::Delivered
            | DeliveryStatus::Failed
            | DeliveryStatus::Cancelled => {}
        }
        c.recipients += n;
    }
    Ok(c)
}
