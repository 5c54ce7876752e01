//! Freezing a campaign's recipients when sending starts: one delivery row per member the
//! campaign reaches at that moment (see [`super::audience`]). Members who join the
//! audience later do not get it; members without an address on the channel, and members
//! who opted out of it (`OPTED_OUT`, see [`crate::messaging::consent`]), are recorded as
//! skipped.
use super::audience::reached;
use super::{Campaign, CampaignStatus, DeliveryStatus};
use crate::ids::new_id;
use crate::members::listing::ids_after;
use crate::messaging::ChannelKind;
use crate::messaging::consent::{OPTED_OUT, opted_out_among};
use crate::shops::Shop;
use crate::{Result, members::filter::MemberFilter};
use chrono::{DateTime, Utc};
use loyalty_entities::{campaign, campaign_delivery, member};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel};
use uuid::Uuid;

/// Members read per query while freezing.
const CHUNK: u64 = 1000;

/// The delivery of `campaign_id` to member `m` on `channel`: QUEUED to its address, or
/// SKIPPED without one or when the member opted out (`opted_out`).
pub fn row_for(
    shop_id: Uuid,
    campaign_id: Uuid,
    channel: ChannelKind,
    m: &member::Model,
    opted_out: bool,
    now: DateTime<Utc>,
) -> campaign_delivery::Model {
    let address = channel.address(m);
    let skip_reason = match &address {
        None => Some(channel.skip_reason()),
        Some(_) if opted_out => Some(OPTED_OUT),
        Some(_) => None,
    };
    // A skipped recipient keeps no address: nothing is sent to it.
    let address = address.filter(|_| skip_reason.is_none());
    campaign_delivery::Model {
        shop_id,
        id: new_id(),
        campaign_id,
        member_id: m.id,
        status: if skip_reason.is_none() {
            DeliveryStatus::Queued
        } else {
            DeliveryStatus::Skipped
        },
        skip_reason: skip_reason.map(str::to_owned),
        address,
        attempts: 0,
        next_attempt_at: now,
        lease_until: None,
        held: 0,
        cost: 0,
        error_code: None,
        error_message: None,
        provider_id: None,
        voucher_code: None,
        sent_at: None,
        delivered_at: None,
        attributed_until: None,
        updated_at: now,
        occurrence: None,
        fields: None,
    }
}

/// Inserts the deliveries of `row`'s audience and marks it SENDING, inside the caller's
/// transaction. Returns the updated row.
pub async fn freeze<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    mut row: campaign::Model,
    now: DateTime<Utc>,
) -> Result<campaign::Model> {
    let campaign = Campaign::from_row(row.clone())?;
    let audience: Option<MemberFilter> = reached(conn, shop.id, &campaign).await?;
    let channel = campaign.channel;
    let (mut recipients, mut skipped) = (0i64, 0i64);
    let mut after: Option<Uuid> = None;
    while let Some(filter) = &audience {
        let members = ids_after(conn, shop, now, filter, after, CHUNK).await?;
        let Some(last) = members.last() else { break };
        after = Some(last.id);
        let ids: Vec<Uuid> = members.iter().map(|m| m.id).collect();
        let opted_out = opted_out_among(conn, shop.id, channel, &ids).await?;
        let rows: Vec<campaign_delivery::Model> = members
            .iter()
            .map(|m| {
                row_for(
                    shop.id,
                    campaign.id,
                    channel,
                    m,
                    opted_out.contains(&m.id),
                    now,
                )
            })
            .collect();
        recipients += rows.len() as i64;
        skipped += rows
            .iter()
            .filter(|r| r.status == DeliveryStatus::Skipped)
            .count() as i64;
        // 500 rows of 22 columns stay under SQLite's bound-variable limit.
        for chunk in rows.chunks(500) {
            campaign_delivery::Entity::insert_many(
                chunk
                    .iter()
                    .cloned()
                    .map(IntoActiveModel::into_active_model),
            )
            .exec_without_returning(conn)
            .await?;
        }
    }
    row.status = CampaignStatus::Sending.as_str().to_owned();
    row.status_reason = None;
    row.started_at = Some(now);
    row.recipients = recipients;
    row.skipped = skipped;
    row.updated_at = now;
    campaign::Entity::update(row.clone().into_active_model().reset_all())
        .exec(conn)
        .await?;
    Ok(row)
}
