//! A campaign's message sent once to an address the merchant gives (`sendTestMessage`):
//! filled in for a chosen member, or with sample fields, and sent through the shop's own
//! sender on the campaign's channel, like every message of the campaign, and paid for
//! from the messaging balance like them.
//!
//! The price is taken from the balance (a guarded update, so tests sent at once cannot
//! overdraw it) before the provider is called, and given back if the provider refuses:
//! no transaction stays open across the provider's call. A test issues no voucher
//! (`{{ voucher_code }}` shows the sample code) and carries no unsubscribe link (it
//! would opt out the member shown, not whoever reads the test).
use super::channel::Opened;
use super::template::{Vars, off_thread};
use super::{ChannelKind, Content, Outbound, Prices, SendOutcome, balance};
use crate::members::{email::normalize_email, phone::international_digits, phone::normalize_phone};
use crate::{Ctx, DomainError, Result, ids::new_id};
use loyalty_entities::{campaign, member, tier};
use sea_orm::{EntityTrait, TransactionTrait};
use uuid::Uuid;

/// Longest `to` accepted, characters (an e-mail address's limit).
pub const MAX_TO: usize = 254;

/// What `sendTestMessage` asks.
#[derive(Debug, Clone)]
pub struct TestMessage {
    /// The campaign whose message goes out.
    pub campaign_id: Uuid,
    /// A phone (ZNS, SMS) or e-mail address, as the merchant typed it.
    pub to: String,
    /// The member whose fields fill the message; sample fields without one.
    pub member_id: Option<Uuid>,
}

/// A test message the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestSent {
    /// Its channel.
    pub channel: ChannelKind,
    /// Where it went, in the channel's form (84… for a phone).
    pub to: String,
    /// The provider's message id.
    pub provider_id: Option<String>,
    /// What it cost, VND.
    pub cost: i64,
    /// The messaging balance after it, VND.
    pub balance_left: i64,
}

/// `to` in the channel's form, or `InvalidInput` on `to`: an e-mail address for e-mail,
/// a phone (international digits, as members' phones go out) for every other channel.
pub fn address(kind: ChannelKind, to: &str) -> Result<String> {
    if to.chars().count() > MAX_TO {
        return Err(DomainError::invalid(
            "to",
            format!("at most {MAX_TO} characters"),
        ));
    }
    let named = |e: DomainError| match e {
        DomainError::InvalidInput { message, .. } => DomainError::invalid("to", message),
        other => other,
    };
    match kind {
        ChannelKind::Email => normalize_email(to).map_err(named),
        // Every other channel addresses a phone.
        _ => normalize_phone(to)
            .map(|p| international_digits(&p))
            .map_err(named),
    }
}

/// The template fields of the shop's member `member_id`, with the sample voucher.
async fn member_vars(ctx: &Ctx, shop_name: &str, shop_id: Uuid, member_id: Uuid) -> Result<Vars> {
    let m = member::Entity::find_by_id((shop_id, member_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| DomainError::NotFound("member not found".into()))?;
    let tier = match m.tier_id {
        Some(t) => tier::Entity::find_by_id((shop_id, t))
            .one(&ctx.db)
            .await?
            .map(|t| t.name),
        None => None,
    };
    let sample = Vars::sample();
    Ok(Vars {
        name: m.name.clone().unwrap_or_default(),
        phone: ChannelKind::Zns.address(&m).unwrap_or_default(),
        email: m.email.clone().unwrap_or_default(),
        tier: tier.unwrap_or_default(),
        points: m.points_available,
        voucher_code: sample.voucher_code,
        voucher_expires: sample.voucher_expires,
        shop: shop_name.to_owned(),
        expiring_points: sample.expiring_points,
        expiring_date: sample.expiring_date,
    })
}

/// Sends the test: see the module's comment. A provider's refusal is
/// [`DomainError::Provider`] (the price given back); a shop that cannot send on the
/// channel now, or whose balance cannot pay, `Conflict` with the reason.
pub async fn send(
    ctx: &Ctx,
    prices: Prices,
    shop_id: Uuid,
    input: TestMessage,
) -> Result<TestSent> {
    let row = campaign::Entity::find_by_id((shop_id, input.campaign_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| DomainError::NotFound("campaign not found".into()))?;
    let kind = ChannelKind::parse(&row.channel)?;
    let to = address(kind, &input.to)?;
    let content: Content = serde_json::from_str(&row.content)
        .map_err(|e| DomainError::Internal(format!("stored campaign content: {e}")))?;
    let shop = crate::shops::load(&ctx.db, shop_id).await?;
    let vars = match input.member_id {
        Some(id) => member_vars(ctx, &shop.name, shop_id, id).await?,
        None => Vars {
            shop: shop.name.clone(),
            ..Vars::sample()
        },
    };
    let message = off_thread(move || content.render(&vars))
        .await?
        .map_err(|e| {
            DomainError::invalid(
                "campaignId",
                format!("the campaign's message does not fill in: {e}"),
            )
        })?;
    let sender = match ctx.channels.get(kind) {
        None => {
            return Err(DomainError::Unconfigured(format!(
                "this server has no {} transport configured",
                kind.as_str()
            )));
        }
        Some(channel) => match channel.open(ctx, shop_id).await? {
            Opened::Ready(sender) => sender,
            Opened::Unavailable(reason) => return Err(DomainError::Conflict(reason)),
        },
    };
    let cost = prices.of(kind).saturating_mul(message.segments());
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    balance::ensure(&txn, shop_id, now).await?;
    if !balance::hold(&txn, shop_id, cost).await? {
        let left = balance::balance(&txn, shop_id).await?;
        return Err(DomainError::Conflict(format!(
            "the messaging balance ({left} VND) cannot pay a test message ({cost} VND); \
             the operator tops it up"
        )));
    }
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    let outbound = Outbound {
        delivery_id: new_id(),
        shop_id,
        to: to.clone(),
        message,
        unsubscribe_url: None,
    };
    let refused = match sender.send(&outbound).await {
        SendOutcome::Sent { provider_id, .. } => {
            return Ok(TestSent {
                channel: kind,
                to,
                provider_id,
                cost,
                balance_left: balance::balance(&ctx.db, shop_id).await?,
            });
        }
        SendOutcome::Failed { code, message } => (code, message, false),
        SendOutcome::Retry { code, message } | SendOutcome::QuotaExhausted { code, message } => {
            (code, message, true)
        }
        SendOutcome::AccountStopped { reason } => ("ACCOUNT_STOPPED".to_owned(), reason, false),
    };
    let txn = ctx.db.begin().await?;
    balance::release(&txn, shop_id, cost).await?;
    txn.commit().await?;
    let (code, message, retryable) = refused;
    Err(DomainError::Provider {
        code,
        message,
        retryable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_is_a_phone_or_an_email_by_channel() {
        assert_eq!(
            address(ChannelKind::Zns, "0912 345 678").ok().as_deref(),
            Some("84912345678")
        );
        assert_eq!(
            address(ChannelKind::Email, " An@Example.VN")
                .ok()
                .as_deref(),
            Some("an@example.vn")
        );
        for (kind, bad) in [
            (ChannelKind::Zns, "an@example.vn"),
            (ChannelKind::Email, "0912345678"),
            (
                ChannelKind::Email,
                &format!("{}@example.vn", "a".repeat(300))[..],
            ),
        ] {
            match address(kind, bad) {
                Err(DomainError::InvalidInput { field, .. }) => {
                    assert_eq!(field.as_deref(), Some("to"));
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
