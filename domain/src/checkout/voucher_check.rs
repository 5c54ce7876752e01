//! The cashier's question: which of this customer's vouchers can they use on this cart
//! now, and why not the others.
use super::cart::{OrderLine, clean_lines};
use super::pipeline::cart;
use super::shopper::{Customer, segments_named, shopper};
use crate::members::profile::by_id;
use crate::members::segment_membership::memberships;
use crate::vouchers::lookup::present;
use crate::vouchers::wallet::wallet;
use crate::vouchers::{Voucher, VoucherStatus};
use crate::{Ctx, Result};
use loyalty_rules::{Checkout, Outcome};
use rust_decimal::prelude::ToPrimitive;
use uuid::Uuid;

/// One voucher checked against a cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherCheck {
    /// The voucher.
    pub voucher: Voucher,
    /// What it would take off the cart on its own, if it applies.
    pub discount: Option<i64>,
    /// Why it does not.
    pub reason: Option<String>,
}

/// Checks each of the member's active vouchers against the cart, each on its own, for
/// this member now (eligibility rules see the member's tier, segments and the time; no
/// channel is known, so offers for some channels only say which).
pub async fn check(
    ctx: &Ctx,
    shop_id: Uuid,
    member_id: Uuid,
    lines: &[OrderLine],
) -> Result<Vec<VoucherCheck>> {
    let lines = clean_lines(lines)?;
    let now = ctx.clock.now();
    let active: Vec<Voucher> = wallet(&ctx.db, shop_id, member_id)
        .await?
        .into_iter()
        .filter(|v| v.status(now) == VoucherStatus::Usable)
        .collect();
    let codes: Vec<String> = active.iter().map(|v| v.code.clone()).collect();
    let (offers, refused) = present(&ctx.db, shop_id, &codes, Some(member_id), now).await?;
    let cart = cart(&lines);
    let policy = ctx.policies.recent(&ctx.db, shop_id).await?;
    let member = by_id(&ctx.db, shop_id, member_id).await?;
    let registered = member.as_ref().is_some_and(|m| m.registered_at.is_some());
    let tier = policy.benefits_tier(member.as_ref().and_then(|m| m.tier_id), registered);
    let customer = member
        .as_ref()
        .map_or_else(Customer::default, |m| Customer {
            registered,
            total_orders: m.total_orders,
            birthday: m.birthday,
        });
    let segments = memberships(
        &ctx.db,
        &policy.shop,
        now,
        Some(member_id),
        &segments_named(&offers),
    )
    .await?;
    let shopper = shopper(&policy, customer, tier, None, now, segments);
    let checkout = Checkout::for_shopper(&cart, &shopper);
    Ok(active
        .into_iter()
        .map(|voucher| {
            if let Some((_, r)) = refused.iter().find(|(c, _)| *c == voucher.code) {
                return VoucherCheck {
                    voucher,
                    discount: None,
                    reason: Some(r.reason().to_owned()),
                };
            }
            match offers
                .iter()
                .find(|o| o.code == voucher.code)
                .map(|o| (o, o.offer.evaluate_in(&checkout)))
            {
                Some((_, Outcome::Applied { amount, .. })) => VoucherCheck {
                    voucher,
                    discount: Some(amount.to_i64().unwrap_or(0)),
                    reason: None,
                },
                Some((o, Outcome::Skipped { reason })) => VoucherCheck {
                    voucher,
                    discount: None,
                    reason: Some(o.offer.explain(&reason)),
                },
                None => VoucherCheck {
                    voucher,
                    discount: None,
                    reason: Some("unknown voucher code".into()),
                },
            }
        })
        .collect())
}
