//! Pricing within offers' limits: an offer whose budget or per-customer limit is spent
//! is left out before pricing, and one whose discount would overrun what is left of its
//! discount budget is left out and the cart priced again. What the order then counts is
//! [`uses`]. Pure: quotes and both order paths decide the same from the same usage.
use super::offer_choice::source_of;
use super::pipeline::{Breakdown, PipelineInput, Source, run};
use crate::limits::grouped;
use crate::offers::usage::{OfferUse, Usage, customer_key};
use crate::vouchers::lookup::VoucherOffer;
use uuid::Uuid;

/// The customer a per-customer limit counts, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// The member's id.
    pub member_id: Uuid,
    /// Registered in the program.
    pub registered: bool,
    /// Their phone, normalized.
    pub phone: Option<String>,
}

impl Customer {
    /// The key the limits of `v` count this customer under.
    pub fn key(&self, v: &VoucherOffer) -> String {
        customer_key(
            self.member_id,
            self.registered,
            self.phone.as_deref(),
            v.reach.delivery,
        )
    }
}

/// An offer left out by its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSkip {
    /// The offer's source.
    pub source: Source,
    /// Why, in words.
    pub reason: String,
    /// Presented by a code (an order refuses it) rather than automatic (an order is
    /// priced without it).
    pub presented: bool,
}

/// Why `v` cannot be used at all now, if so.
fn spent(v: &VoucherOffer, usage: &Usage, customer: Option<&Customer>) -> Option<String> {
    let l = &v.limits;
    let (uses, given) = usage.budgets.get(&v.offer_id).copied().unwrap_or((0, 0));
    if let Some(most) = l.budget_uses
        && uses >= most
    {
        return Some(format!(
            "this offer's budget of {} uses is spent",
            grouped(most)
        ));
    }
    if let Some(most) = l.budget_discount
        && given >= most
    {
        return Some(format!(
            "this offer's budget of {} VND is spent",
            grouped(most)
        ));
    }
    if let (Some(most), Some(_)) = (l.per_customer, customer)
        && usage.customer.get(&v.offer_id).copied().unwrap_or(0) >= most
    {
        return Some(format!(
            "this customer has used this offer {} times, the most allowed",
            grouped(most)
        ));
    }
    None
}

/// Why `amount` from `v` overruns its discount budget, if it does.
fn overrun(v: &VoucherOffer, amount: i64, usage: &Usage) -> Option<String> {
    let most = v.limits.budget_discount?;
    let given = usage.budgets.get(&v.offer_id).map_or(0, |b| b.1);
    let left = most.saturating_sub(given);
    (amount > left).then(|| {
        format!(
            "only {} VND of this offer's budget is left, this order would take {} VND",
            grouped(left),
            grouped(amount)
        )
    })
}

/// Prices `input` with its offers (`input.vouchers`) within their limits: the
/// breakdown, and the offers the limits left out.
pub fn run_within_limits(
    input: &PipelineInput<'_>,
    usage: &Usage,
    customer: Option<&Customer>,
) -> (Breakdown, Vec<LimitSkip>) {
    let mut skips = Vec::new();
    let mut kept: Vec<VoucherOffer> = Vec::with_capacity(input.vouchers.len());
    for v in input.vouchers {
        match spent(v, usage, customer) {
            Some(reason) => skips.push(skip(v, reason)),
            None => kept.push(v.clone()),
        }
    }
    // Each round leaves one more offer out, so this ends within the number of offers.
    loop {
        let breakdown = run(&PipelineInput {
            vouchers: &kept,
            ..*input
        });
        let over = breakdown.applied.iter().find_map(|a| {
            let id = a.source.offer_id()?;
            let at = kept.iter().position(|v| v.offer_id == id)?;
            Some((at, overrun(&kept[at], a.amount, usage)?))
        });
        match over {
            Some((at, reason)) => {
                let v = kept.remove(at);
                skips.push(skip(&v, reason));
            }
            None => return (breakdown, skips),
        }
    }
}

fn skip(v: &VoucherOffer, reason: String) -> LimitSkip {
    LimitSkip {
        source: source_of(v),
        reason,
        presented: !v.code.is_empty(),
    }
}

/// What an order priced as `breakdown` from `offers` counts against their limits, one
/// entry per limited offer it got a discount from.
pub fn uses(
    breakdown: &Breakdown,
    offers: &[VoucherOffer],
    customer: Option<&Customer>,
) -> Vec<OfferUse> {
    let mut out: Vec<OfferUse> = Vec::new();
    for a in &breakdown.applied {
        let Some(id) = a.source.offer_id() else {
            continue;
        };
        let Some(v) = offers
            .iter()
            .find(|v| v.offer_id == id && v.limits.counted())
        else {
            continue;
        };
        match out.iter_mut().find(|u| u.offer_id == id) {
            Some(u) => {
                u.uses += 1;
                u.discount += a.amount;
            }
            None => out.push(OfferUse {
                offer_id: id,
                customer: customer.map_or_else(String::new, |c| c.key(v)),
                uses: 1,
                discount: a.amount,
                limits: v.limits,
            }),
        }
    }
    out
}
