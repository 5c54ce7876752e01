//! Filling in each claimed delivery's message and handing it to the channel, several at
//! once.
use super::DispatchConfig;
use super::true_up::{Hold, true_up};
use crate::campaigns::occurrence_fields::OccurrenceFields;
use crate::members::phone::international_digits;
use crate::messaging::channel::Sender;
use crate::messaging::template::{Vars, off_thread};
use crate::messaging::unsubscribe::{self, Subject};
use crate::messaging::{ChannelKind, Content, Outbound, SendOutcome};
use crate::{Ctx, DomainError, Result};
use loyalty_entities::{campaign, campaign_delivery, member, tier, voucher};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use uuid::Uuid;

/// The template fields of every claimed delivery's member.
async fn vars_of(
    ctx: &Ctx,
    row: &campaign::Model,
    claimed: &[campaign_delivery::Model],
) -> Result<HashMap<Uuid, Vars>> {
    let shop = crate::shops::load(&ctx.db, row.shop_id).await?;
    let ids: Vec<Uuid> = claimed.iter().map(|d| d.member_id).collect();
    let members = member::Entity::find()
        .filter(member::Column::ShopId.eq(row.shop_id))
        .filter(member::Column::Id.is_in(ids))
        .all(&ctx.db)
        .await?;
    let tiers: HashMap<Uuid, String> = tier::Entity::find()
        .filter(tier::Column::ShopId.eq(row.shop_id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let codes: Vec<String> = claimed
        .iter()
        .filter_map(|d| d.voucher_code.clone())
        .collect();
    let expiry: HashMap<String, String> = if codes.is_empty() {
        HashMap::new()
    } else {
        voucher::Entity::find()
            .filter(voucher::Column::ShopId.eq(row.shop_id))
            .filter(voucher::Column::Code.is_in(codes))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|v| {
                let day = v
                    .expires_at
                    .map(|t| shop.local_date(t).to_string())
                    .unwrap_or_default();
                (v.code, day)
            })
            .collect()
    };
    let by_member: HashMap<Uuid, &member::Model> = members.iter().map(|m| (m.id, m)).collect();
    Ok(claimed
        .iter()
        .filter_map(|d| {
            let m = by_member.get(&d.member_id)?;
            let code = d.voucher_code.clone().unwrap_or_default();
            let occurrence = OccurrenceFields::read(d.fields.as_deref());
            Some((
                d.id,
                Vars {
                    name: m.name.clone().unwrap_or_default(),
                    phone: m
                        .phone
                        .as_deref()
                        .map(international_digits)
                        .unwrap_or_default(),
                    email: m.email.clone().unwrap_or_default(),
                    tier: m
                        .tier_id
                        .and_then(|t| tiers.get(&t).cloned())
                        .unwrap_or_default(),
                    points: m.points_available,
                    voucher_expires: expiry.get(&code).cloned().unwrap_or_default(),
                    voucher_code: code,
                    shop: shop.name.clone(),
                    expiring_points: occurrence.expiring_points,
                    expiring_date: occurrence.expiring_date,
                },
            ))
        })
        .collect())
}

/// Sends every claimed delivery through the shop's sender `channel`; returns each with
/// what the provider said.
pub async fn send_all(
    ctx: &Ctx,
    channel: Arc<dyn Sender>,
    config: &DispatchConfig,
    row: &campaign::Model,
    claimed: Vec<campaign_delivery::Model>,
) -> Result<Vec<(campaign_delivery::Model, SendOutcome)>> {
    let content: Content = serde_json::from_str(&row.content)
        .map_err(|e| DomainError::Internal(format!("stored campaign content: {e}")))?;
    let vars = vars_of(ctx, row, &claimed).await?;
    let kind = ChannelKind::parse(&row.channel)?;
    // Every message of a channel that carries one (e-mail) has its recipient's unsubscribe
    // link.
    let unsubscribe_key = if kind.spec().carries_unsubscribe_link() {
        ctx.unsubscribe
            .shop_key(&ctx.db, row.shop_id, true, ctx.clock.now())
            .await?
    } else {
        None
    };
    // Filling in is merchant-written template work (bounded by the template limits, but
    // CPU all the same): the whole batch renders on a render thread, not on the async
    // workers that answer requests.
    let ids: Vec<Uuid> = claimed.iter().map(|d| d.id).collect();
    let messages = off_thread(move || {
        ids.iter()
            .map(|id| match vars.get(id) {
                None => Err("the member no longer exists".to_owned()),
                Some(v) => content.render(v),
            })
            .collect::<Vec<_>>()
    })
    .await?;
    let limit = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut done = Vec::with_capacity(claimed.len());
    let per_segment = config.prices.of(kind);
    for (delivery, message) in claimed.into_iter().zip(messages) {
        let (message, to, delivery) = match (message, delivery.address.clone()) {
            (Ok(m), Some(to)) => {
                let price = m.segments().saturating_mul(per_segment);
                match true_up(ctx, row, delivery, price).await? {
                    Hold::Covered(delivery) => (m, to, *delivery),
                    Hold::Short | Hold::Lost => continue,
                }
            }
            (Err(e), _) => {
                let failed = SendOutcome::Failed {
                    code: "TEMPLATE".into(),
                    message: e,
                };
                done.push((delivery, failed));
                continue;
            }
            (Ok(_), None) => {
                let failed = SendOutcome::Failed {
                    code: "NO_ADDRESS".into(),
                    message: "no address".into(),
                };
                done.push((delivery, failed));
                continue;
            }
        };
        let unsubscribe_url = unsubscribe_key.as_ref().map(|key| {
            let token = unsubscribe::sign(
                key,
                &Subject {
                    shop_id: delivery.shop_id,
                    member_id: delivery.member_id,
                    channel: kind,
                },
            );
            unsubscribe::link(&config.public_url, &token)
        });
        let outbound = Outbound {
            delivery_id: delivery.id,
            shop_id: delivery.shop_id,
            to,
            message,
            unsubscribe_url,
        };
        let channel = channel.clone();
        let limit = limit.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let outcome = channel.send(&outbound).await;
            (delivery, outcome)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(pair) => done.push(pair),
            // A panicking transport loses nothing: the lease runs out and the delivery
            // is claimed again.
            Err(e) => tracing::error!(error = %e, "a send task failed"),
        }
    }
    Ok(done)
}
