//! The quote: what a cart would cost this customer now, with every discount applied or
//! skipped and why, and the points the order would earn. No side effects.
use super::Breakdown;
use super::cart::{OrderLine, clean_lines, redeem_points};
use super::limit_usage;
use super::limited::{self, run_within_limits};
use super::pipeline::{PipelineInput, Skipped, Source};
use super::shopper::{self, segments_named, shopper};
use crate::ledger::balance::spendable;
use crate::ledger::earning::{points_with_offers, within_balance};
use crate::members;
use crate::members::segment_membership::memberships;
use crate::program::Policy;
use crate::program::enrollment::NOT_A_MEMBER;
use crate::vouchers::lookup::VoucherOffer;
use crate::vouchers::lookup::present;
use crate::vouchers::public_code::add_public;
use crate::{Ctx, DomainError, Result};
use uuid::Uuid;

/// A cart to price.
#[derive(Debug, Clone, Default)]
pub struct QuoteInput {
    /// The customer, if known.
    pub member_external_id: Option<String>,
    /// The lines.
    pub lines: Vec<OrderLine>,
    /// Vouchers to try.
    pub voucher_codes: Vec<String>,
    /// Points to pay with.
    pub redeem_points: i64,
    /// Where the sale happens, as orders store it (`POS`, `WEB`…), for offers limited to
    /// some channels. A string here rather than the orders' `Channel`: checkout sits
    /// below orders.
    pub channel: Option<&'static str>,
}

/// The priced cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The breakdown.
    pub breakdown: Breakdown,
    /// Points the order would earn.
    pub points_to_earn: i64,
    /// The member's available points, if a member was given.
    pub available_points: Option<i64>,
}

/// Prices a cart without writing anything.
pub async fn quote(ctx: &Ctx, shop_id: Uuid, input: QuoteInput) -> Result<Quote> {
    let lines = clean_lines(&input.lines)?;
    redeem_points(input.redeem_points)?;
    if input.voucher_codes.len() > 10 {
        return Err(DomainError::invalid(
            "voucherCodes",
            "at most 10 vouchers per order",
        ));
    }
    let db = &ctx.db;
    let now = ctx.clock.now();
    let policy = ctx.policies.recent(db, shop_id).await?;
    let member = match input.member_external_id.as_deref() {
        Some(ext) => members::by_external_id(db, shop_id, ext).await?,
        None => None,
    };
    // An unknown customer would start in the initial tier, unregistered.
    let reached = match &member {
        Some(m) => m.tier_id,
        None if policy.is_active() => policy.tier_for(0).map(|t| t.id),
        None => None,
    };
    let registered = member.as_ref().is_some_and(|m| m.registered_at.is_some());
    let admitted = policy.admits(registered);
    let tier = policy.benefits_tier(reached, registered);
    let mut presented = present(
        db,
        shop_id,
        &input.voucher_codes,
        member.as_ref().map(|m| m.id),
        now,
    )
    .await?;
    add_public(db, shop_id, &mut presented).await?;
    let (mut vouchers, refused) = presented;
    let automatic = ctx.automatic_offers.recent(db, shop_id).await?;
    vouchers.extend(automatic.iter().map(VoucherOffer::automatic));
    let customer = member.as_ref().map(|m| limited::Customer {
        member_id: m.id,
        registered,
        phone: m.phone.clone(),
    });
    let usage = limit_usage::for_checkout(db, shop_id, &vouchers, customer.as_ref(), false).await?;
    let segments = memberships(
        db,
        &policy.shop,
        now,
        member.as_ref().map(|m| m.id),
        &segments_named(&vouchers),
    )
    .await?;
    let profile = member
        .as_ref()
        .map_or_else(shopper::Customer::default, |m| shopper::Customer {
            registered,
            total_orders: m.total_orders,
            birthday: m.birthday,
        });
    let shopper = shopper(&policy, profile, tier, input.channel, now, segments);
    let mut notes: Vec<Skipped> = refused
        .iter()
        .map(|(code, r)| Skipped {
            source: Source::Voucher {
                code: code.clone(),
                offer_id: None,
            },
            reason: r.reason().to_owned(),
            by_policy: false,
        })
        .collect();
    if policy.is_active() && !admitted {
        notes.push(Skipped {
            source: Source::Tier,
            reason: NOT_A_MEMBER.to_owned(),
            by_policy: false,
        });
    }
    let available = match &member {
        Some(m) => Some(spendable(db, shop_id, m.id, now).await?),
        None => None,
    };
    let mut redeem = input.redeem_points;
    if !policy.is_active() {
        notes.push(Skipped {
            source: Source::Points,
            reason: Policy::DRAFT_EARNS_NOTHING.to_owned(),
            by_policy: false,
        });
    }
    if redeem > 0 {
        let why = match (policy.is_active(), available) {
            // Said once above, for earning and redeeming alike.
            (false, _) => None,
            (true, _) if !admitted => Some(NOT_A_MEMBER.to_owned()),
            (true, None) => Some("points need a known member".to_owned()),
            (true, Some(a)) if a < redeem => Some(format!("only {a} points are available")),
            _ => None,
        };
        if !policy.is_active() {
            redeem = 0;
        }
        if let Some(reason) = why {
            redeem = redeem.min(available.unwrap_or(0)).max(0);
            if !admitted {
                redeem = 0;
            }
            notes.push(Skipped {
                source: Source::Points,
                reason,
                by_policy: false,
            });
        }
    }
    let (mut breakdown, limited) = run_within_limits(
        &PipelineInput {
            lines: &lines,
            tier,
            vouchers: &vouchers,
            redeem_points: redeem,
            point_rate: policy.program.redemption_rate(),
            shopper: &shopper,
        },
        &usage,
        customer.as_ref(),
    );
    breakdown
        .skipped
        .extend(limited.into_iter().map(|l| Skipped {
            source: l.source,
            reason: l.reason,
            by_policy: !l.presented,
        }));
    breakdown.skipped.extend(notes);
    let points_to_earn = match tier {
        Some(t) if policy.is_active() => {
            let points = points_with_offers(
                breakdown.paid,
                breakdown.earned,
                &policy.program,
                t.point_multiplier,
            );
            // As an order would credit them: within the balance's bound.
            let held = available.unwrap_or(0);
            within_balance(points, held, breakdown.points_redeemed)
        }
        _ => 0,
    };
    Ok(Quote {
        breakdown,
        points_to_earn,
        available_points: available,
    })
}
