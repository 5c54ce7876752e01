//! The offers of a checkout (vouchers, public codes, automatic offers) priced together:
//! the rules crate chooses the combination best for the customer
//! ([`loyalty_rules::combination`]), and this names what it applied and, for every
//! offer left out, why, in words a cashier can read.
use super::pipeline::{Applied, Skipped, Source};
use crate::offers::Delivery;
use crate::vouchers::lookup::VoucherOffer;
use loyalty_rules::Checkout;
use loyalty_rules::combination::{Candidate, LeftOut, choose};
use rust_decimal::prelude::ToPrimitive;

/// Where a candidate's discount comes from: its code, or the automatic offer.
pub fn source_of(v: &VoucherOffer) -> Source {
    match v.reach.delivery {
        Delivery::Automatic => Source::Offer {
            offer_id: v.offer_id,
        },
        Delivery::Voucher | Delivery::PublicCode => Source::Voucher {
            code: v.code.clone(),
            offer_id: Some(v.offer_id),
        },
    }
}

/// Applies the best combination of `offers` to `checkout`; returns applied and skipped.
/// Left-out offers that apply on their own are skipped by policy (an order is recorded
/// without them); those that do not are skipped for their own condition.
pub fn apply_offers(
    checkout: &mut Checkout<'_>,
    offers: &[VoucherOffer],
) -> (Vec<Applied>, Vec<Skipped>) {
    let candidates: Vec<Candidate<'_>> = offers
        .iter()
        .map(|v| Candidate {
            offer: &v.offer,
            priority: v.reach.priority,
            exclusive: v.reach.exclusive,
        })
        .collect();
    let choice = choose(checkout, &candidates);
    let applied = choice
        .applied
        .iter()
        .map(|c| Applied {
            source: source_of(&offers[c.index]),
            label: offers[c.index].label.clone(),
            amount: c.amount.to_i64().unwrap_or(0),
        })
        .collect();
    let skipped = choice
        .left_out
        .iter()
        .map(|(i, why)| {
            let v = &offers[*i];
            let reason = match why {
                LeftOut::Condition(r) => v.offer.explain(r),
                LeftOut::ExcludedBy(j) => format!(
                    "does not combine with {}, an exclusive offer that gives more",
                    offers[*j].label
                ),
                LeftOut::ExclusiveGivesLess => {
                    "does not combine with other offers, which give more together".to_owned()
                }
                LeftOut::ExclusiveAfterOthers => {
                    "does not combine with other offers, and offers ranked before it apply"
                        .to_owned()
                }
                LeftOut::Outdone => "the other offers give more without it".to_owned(),
            };
            Skipped {
                source: source_of(v),
                reason,
                by_policy: !matches!(why, LeftOut::Condition(_)),
            }
        })
        .collect();
    (applied, skipped)
}
