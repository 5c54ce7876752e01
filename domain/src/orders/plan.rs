//! What recording an order writes, decided from what was read: the pricing, the points
//! redeemed and earned, the member's new standing, and every row. No database here, so
//! the portable path (statement by statement in a transaction) and the PostgreSQL path
//! (one statement) write the same rows for the same order.
use super::prepared::PreparedOrder;
use crate::checkout::limited::{self, run_within_limits, uses};
use crate::checkout::pipeline::{PipelineInput, Source};
use crate::checkout::shopper::{self, shopper};
use crate::events::payload::{self, TierChange};
use crate::events::{Event, EventType};
use crate::ledger::LedgerKind;
use crate::ledger::earning::{points_with_offers, within_balance};
use crate::ledger::plan::{Credit, Debit, DrawFrom, LedgerWrites, plan_credit, plan_debit};
use crate::limits;
use crate::members::profile::blank_row;
use crate::offers::Delivery;
use crate::offers::automatic::ShopOffers;
use crate::offers::usage::{OfferUse, Usage};
use crate::program::Policy;
use crate::program::ranking::{add_spend, roll};
use crate::program::tier_events::tier_ref;
use crate::vouchers::lookup::{Refusal, VoucherOffer};
use crate::{DomainError, Result};
use chrono::{DateTime, SubsecRound, Utc};
use loyalty_entities::{member, order, order_discount, point_lot};
use loyalty_rules::SegmentMembership;
use uuid::Uuid;

/// What the order is planned against, read under the member's lock (or, on the
/// PostgreSQL path, read before and verified by the writing statement).
#[derive(Debug)]
pub struct Loaded {
    /// The customer's row as stored, or a blank new row.
    pub member: member::Model,
    /// The presented vouchers that can be used, with their offers.
    pub vouchers: Vec<VoucherOffer>,
    /// The presented codes that cannot, with why.
    pub refused: Vec<(String, Refusal)>,
    /// The member's lots with points remaining (read only when redeeming).
    pub lots: Vec<point_lot::Model>,
    /// Points the member owes from refunds of spent points.
    pub owed: i64,
    /// The shop's active automatic offers, at the program version planned against.
    pub automatic: ShopOffers,
    /// What the limited offers among them and the presented ones have counted (locked
    /// on the locked path; empty on the batched path, which hands an order that uses a
    /// limited offer to the locked path).
    pub usage: Usage,
    /// The customer's memberships of the segments the vouchers' offers name.
    pub segments: Vec<SegmentMembership>,
}

/// Every row an order writes.
#[derive(Debug)]
pub struct OrderPlan {
    /// The order.
    pub order: order::Model,
    /// Its discounts, in the order they applied.
    pub discounts: Vec<order_discount::Model>,
    /// Vouchers it uses up (each must still be unused when written).
    pub vouchers_used: Vec<String>,
    /// What it counts against offers' limits.
    pub uses: Vec<OfferUse>,
    /// Points redeemed and earned.
    pub ledger: LedgerWrites,
    /// The member's row with the new standing (cached balances not yet refreshed).
    pub member: member::Model,
    /// The events the order raises, when the shop subscribes to them.
    pub events: Vec<Event>,
}

/// Plans `order` as order `order_id` on what its write path loaded: every row its
/// transaction writes, the same for both paths.
pub fn plan(
    policy: &Policy,
    order: &PreparedOrder,
    loaded: Loaded,
    order_id: Uuid,
) -> Result<OrderPlan> {
    let order_in = order;
    let PreparedOrder {
        ref input,
        ref lines,
        ref key,
        now,
        ..
    } = *order;
    let shop_id = policy.shop.id;
    // A customer outside the program (see `program::enrollment`) still has its order
    // counted below, but pays with no points, gets no tier discount and earns nothing.
    let registered = loaded.member.registered_at.is_some();
    if input.redeem_points > 0 {
        policy.require_active()?;
        policy.require_admitted(registered, "redeemPoints")?;
    }
    let mut row = loaded.member;
    let member_id = row.id;
    let tier_before = row.tier_id;
    if policy.is_active() {
        roll(policy, &mut row, now);
    }
    let tier_rolled = row.tier_id;
    let tier = policy.benefits_tier(row.tier_id, registered).cloned();
    if let Some((code, refusal)) = loaded.refused.first() {
        return Err(refusal.error(code));
    }
    let mut offers = loaded.vouchers;
    offers.extend(loaded.automatic.iter().map(VoucherOffer::automatic));
    let placed_at = input.placed_at.map_or(now, |t| t.trunc_subsecs(6));
    // Eligibility reads the sale's time (an order synced late keeps its Sunday offer)
    // and the customer before this order.
    let shopper = shopper(
        policy,
        shopper::Customer {
            registered,
            total_orders: row.total_orders,
            birthday: row.birthday,
        },
        tier.as_ref(),
        Some(input.channel.as_str()),
        placed_at,
        loaded.segments,
    );
    let customer = limited::Customer {
        member_id,
        registered,
        phone: row.phone.clone(),
    };
    let (priced, limited) = run_within_limits(
        &PipelineInput {
            lines,
            tier: tier.as_ref(),
            vouchers: &offers,
            redeem_points: input.redeem_points,
            point_rate: policy.program.redemption_rate(),
            shopper: &shopper,
        },
        &loaded.usage,
        Some(&customer),
    );
    // A code presented for an offer whose limit is spent is refused, as a used voucher
    // is; an automatic offer's spent limit only leaves it out.
    if let Some(l) = limited.iter().find(|l| l.presented) {
        let code = l.source.voucher_code().unwrap_or_default();
        return Err(DomainError::Conflict(format!("{code}: {}", l.reason)));
    }
    let uses = uses(&priced, &offers, Some(&customer));
    // A voucher whose condition fails is refused; one set aside by the stacking policy
    // (the tier discount gave more) stays unused in the customer's wallet.
    if let Some((code, reason)) = priced
        .skipped
        .iter()
        .filter(|s| !s.by_policy)
        .find_map(|s| Some((s.source.voucher_code()?, &s.reason)))
    {
        return Err(DomainError::invalid(
            "voucherCodes",
            format!("{code}: {reason}"),
        ));
    }

    let mut ledger = LedgerWrites::default();
    if priced.points_redeemed > 0 {
        let debit = Debit {
            kind: LedgerKind::Redeem,
            points: priced.points_redeemed,
            from: DrawFrom::Available,
            reason: Some(format!("paid part of order {key}")),
            order_id: Some(order_id),
            idempotency_key: Some(format!("redeem:{key}")),
        };
        ledger.extend(plan_debit(shop_id, member_id, now, loaded.lots, debit)?.0);
    }
    // Measured against the member's cached balance, which is never below the ledger's
    // (points only leave it with time, by expiring), so the bound holds.
    let held = limits::add(
        "a member's balance",
        row.points_available,
        row.points_pending,
    )?;
    let earned = match (&tier, policy.is_active()) {
        (Some(t), true) => within_balance(
            points_with_offers(
                priced.paid,
                priced.earned,
                &policy.program,
                t.point_multiplier,
            ),
            held,
            priced.points_redeemed,
        ),
        _ => 0,
    };
    if earned > 0 {
        let credit = Credit {
            kind: LedgerKind::Earn,
            points: earned,
            available_at: policy.available_at(now),
            expires_at: policy.expires_at(now),
            reason: Some(format!("order {key}")),
            order_id: Some(order_id),
            idempotency_key: Some(format!("earn:{key}")),
        };
        ledger.extend(plan_credit(shop_id, member_id, now, credit, loaded.owed)?.0);
    }

    let mut discounts = Vec::with_capacity(priced.applied.len());
    let mut vouchers_used = Vec::new();
    for (seq, applied) in priced.applied.iter().enumerate() {
        let (offer_id, code) = match &applied.source {
            Source::Voucher { code, offer_id } => (*offer_id, Some(code.clone())),
            Source::Offer { offer_id } => (Some(*offer_id), None),
            Source::Tier | Source::Points => (None, None),
        };
        // A public code is not used up: it names the offer, not one customer's voucher.
        let personal = offers.iter().any(|v| {
            v.code.as_str() == code.as_deref().unwrap_or("")
                && v.reach.delivery == Delivery::Voucher
        });
        if let (Some(code), true) = (&code, personal) {
            vouchers_used.push(code.clone());
        }
        discounts.push(order_discount::Model {
            shop_id,
            order_id,
            seq: seq as i64,
            source: applied.source.kind(),
            label: applied.label.clone(),
            amount: applied.amount,
            offer_id,
            voucher_code: code,
        });
    }

    // A customer whose source is unknown came from the channel of its first order (the
    // same rule the migration applied to customers stored before sources were kept).
    if row.source.is_none() && row.total_orders == 0 {
        row.source = Some(input.channel.as_str().to_owned());
    }
    row.total_orders = limits::add("the member's orders", row.total_orders, 1)?;
    row.total_spent = limits::add("the member's total spent", row.total_spent, priced.paid)?;
    row.last_purchase_at = Some(row.last_purchase_at.map_or(placed_at, |t| t.max(placed_at)));
    let ranking_cycle = if policy.is_active() {
        let cycle = policy.cycle_of(placed_at, now);
        add_spend(policy, &mut row, cycle, priced.paid).then_some(cycle)
    } else {
        None
    };
    row.updated_at = now;

    let order = order::Model {
        shop_id,
        id: order_id,
        external_id: key.to_owned(),
        member_id,
        channel: input.channel.as_str().to_owned(),
        placed_at,
        subtotal: priced.subtotal,
        discount_total: limits::add(
            "the order's discounts",
            priced.tier_discount,
            priced.voucher_discount,
        )?,
        voucher_discount: priced.voucher_discount,
        total: priced.total,
        points_redeemed: priced.points_redeemed,
        points_value: priced.points_value,
        paid: priced.paid,
        points_earned: earned,
        refunded_amount: 0,
        reversed_points: 0,
        restored_points: 0,
        reversed_spend: 0,
        ranking_cycle,
        tier_id: tier.map(|t| t.id),
        created_at: now,
        lines: serde_json::to_string(lines)
            .map_err(|e| DomainError::Internal(format!("order lines as JSON: {e}")))?,
    };
    let events = if order_in.raise_events {
        let tiers = [tier_before, tier_rolled, row.tier_id];
        events_of(policy, &order, &row, &discounts, tiers)
    } else {
        Vec::new()
    };
    Ok(OrderPlan {
        order,
        discounts,
        vouchers_used,
        uses,
        ledger,
        member: row,
        events,
    })
}

/// The events of an order, in the order they happened: the cycle's roll, the order, the
/// points it redeemed and earned, the vouchers it used, the tier its spend reached.
/// `tiers` are the member's tier before, after the roll and after the order.
fn events_of(
    policy: &Policy,
    order: &order::Model,
    row: &member::Model,
    discounts: &[order_discount::Model],
    [before, rolled, after]: [Option<Uuid>; 3],
) -> Vec<Event> {
    let mut events = Vec::new();
    let tier = |id| tier_ref(policy, id);
    if before != rolled {
        events.push(payload::tier_changed(
            row,
            &tier(before),
            &tier(rolled),
            TierChange::CycleRoll,
        ));
    }
    events.push(payload::order_recorded(order, row));
    let reason = format!("order {}", order.external_id);
    if order.points_redeemed > 0 {
        events.push(payload::points(
            EventType::PointsRedeemed,
            row,
            -order.points_redeemed,
            Some(&reason),
            Some(order.id),
        ));
    }
    if order.points_earned > 0 {
        events.push(payload::points(
            EventType::PointsEarned,
            row,
            order.points_earned,
            Some(&reason),
            Some(order.id),
        ));
    }
    for d in discounts {
        if let (Some(code), Some(offer_id)) = (&d.voucher_code, d.offer_id) {
            events.push(payload::voucher_used(
                code,
                offer_id,
                row,
                order.id,
                order.created_at,
            ));
        }
    }
    if rolled != after {
        events.push(payload::tier_changed(
            row,
            &tier(rolled),
            &tier(after),
            TierChange::Order,
        ));
    }
    events
}

/// A customer's first row, before their first order: in the initial tier when the
/// program is active.
pub(super) fn new_customer(
    policy: &Policy,
    external_id: &str,
    now: DateTime<Utc>,
) -> member::Model {
    let tier = if policy.is_active() {
        policy.tier_for(0).map(|t| t.id)
    } else {
        None
    };
    blank_row(policy.shop.id, external_id, now, tier)
}
