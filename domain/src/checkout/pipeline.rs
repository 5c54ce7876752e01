//! The checkout pipeline, in the order seed 004 and the product decisions fix: vouchers
//! (product and group targets first, then order-level), the tier discount on what
//! remains, points last; then what the applied offers add to the points the order earns.
//! Pure: the same function prices a quote and records an order.
use super::cart::CleanLine;
use super::offer_choice::{apply_offers, source_of};
use crate::tiers::Tier;
use crate::vouchers::lookup::VoucherOffer;
use loyalty_entities::order_discount::DiscountSource;
use loyalty_rules::points_redemption::{PointRate, redeem};
use loyalty_rules::tier_discount::tier_discount;
use loyalty_rules::{Cart, CartLine, Checkout, EarnBase, Earned, Shopper, paid_per_line};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sea_orm::ActiveEnum;
use uuid::Uuid;

/// Where a discount came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The member's tier.
    Tier,
    /// A voucher.
    Voucher {
        /// Its code.
        code: String,
        /// Its offer: always known for a voucher that was priced, none for a code refused
        /// before pricing (an unknown code has no offer).
        offer_id: Option<Uuid>,
    },
    /// Points paid.
    Points,
    /// An automatic offer (no code).
    Offer {
        /// The offer.
        offer_id: Uuid,
    },
}

impl Source {
    /// The kind an order's discount row stores.
    pub fn kind(&self) -> DiscountSource {
        match self {
            Source::Tier => DiscountSource::Tier,
            Source::Voucher { .. } => DiscountSource::Voucher,
            Source::Points => DiscountSource::Points,
            Source::Offer { .. } => DiscountSource::Offer,
        }
    }

    /// The offer the discount came from, for a voucher, a public code or an automatic
    /// offer that was priced.
    pub fn offer_id(&self) -> Option<Uuid> {
        match self {
            Source::Voucher { offer_id, .. } => *offer_id,
            Source::Offer { offer_id } => Some(*offer_id),
            Source::Tier | Source::Points => None,
        }
    }

    /// The voucher's code, for a voucher.
    pub fn voucher_code(&self) -> Option<&str> {
        match self {
            Source::Voucher { code, .. } => Some(code),
            Source::Tier | Source::Points | Source::Offer { .. } => None,
        }
    }

    /// The wire form: `TIER`, `VOUCHER:<code>`, `OFFER:<offer id>` or `POINTS`, the
    /// kind spelled as stored.
    pub fn label(&self) -> String {
        let kind = self.kind().to_value();
        match (self.voucher_code(), self) {
            (Some(code), _) => format!("{kind}:{code}"),
            (None, Source::Offer { offer_id }) => format!("{kind}:{offer_id}"),
            (None, _) => kind,
        }
    }
}

/// A discount applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Where it came from.
    pub source: Source,
    /// What to show.
    pub label: String,
    /// VND.
    pub amount: i64,
}

/// A discount not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where it would have come from.
    pub source: Source,
    /// Why, in words a cashier can read.
    pub reason: String,
    /// Skipped by the stacking policy (a better combination won), not for a failed
    /// condition: an order may still be recorded with it.
    pub by_policy: bool,
}

/// What the pipeline decided.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Breakdown {
    /// Sum of the lines.
    pub subtotal: i64,
    /// Discounts in the order applied (points last).
    pub applied: Vec<Applied>,
    /// Discounts not applied.
    pub skipped: Vec<Skipped>,
    /// Of which the tier's.
    pub tier_discount: i64,
    /// Of which the vouchers'.
    pub voucher_discount: i64,
    /// Points used.
    pub points_redeemed: i64,
    /// Their value.
    pub points_value: i64,
    /// Due after discounts, before points.
    pub total: i64,
    /// Due in money.
    pub paid: i64,
    /// What the applied offers add to the points the order earns (see
    /// `ledger::earning::points_with_offers`).
    pub earned: Earned,
}

/// What the pipeline prices.
#[derive(Debug, Clone, Copy)]
pub struct PipelineInput<'a> {
    /// The cart.
    pub lines: &'a [CleanLine],
    /// The member's tier.
    pub tier: Option<&'a Tier>,
    /// The offers competing: valid vouchers and public codes, and automatic offers.
    pub vouchers: &'a [VoucherOffer],
    /// Points asked for.
    pub redeem_points: i64,
    /// What points pay (the program's redemption rate).
    pub point_rate: PointRate,
    /// Who is checking out, where and when, for the offers' eligibility rules.
    pub shopper: &'a Shopper,
}

/// The rules engine's cart for validated order lines.
pub fn cart(lines: &[CleanLine]) -> Cart {
    Cart {
        lines: lines
            .iter()
            .map(|l| CartLine {
                product_id: l.product_id.clone(),
                group_ids: l.group_ids.clone(),
                quantity: u32::try_from(l.quantity).unwrap_or(u32::MAX),
                unit_price: Decimal::from(l.unit_price),
                already_discounted: l.already_discounted,
            })
            .collect(),
    }
}

fn vnd(d: Decimal) -> i64 {
    d.to_i64().unwrap_or(0)
}

/// What the tier discount is a percent of. A tier that does not combine with promotions
/// leaves out the lines a channel already discounted (seed 000: "kết hợp chiết khấu hạng
/// thành viên với khuyến mãi khác" is the merchant's choice); one that combines takes
/// them too.
struct TierBase {
    /// Of the lines it covers, what the vouchers left.
    rest: Decimal,
    /// Of the lines it covers, their full value (the tier alone, without vouchers).
    full: Decimal,
    /// The lines left out, by index.
    left_out: Vec<usize>,
}

impl TierBase {
    fn of(checkout: &Checkout<'_>, combines: bool) -> Self {
        let mut base = Self {
            rest: Decimal::ZERO,
            full: Decimal::ZERO,
            left_out: Vec::new(),
        };
        for (i, line) in checkout.cart.lines.iter().enumerate() {
            if line.already_discounted && !combines {
                base.left_out.push(i);
                continue;
            }
            let value = checkout.values.get(i).copied().unwrap_or(0);
            let taken = checkout.taken.get(i).copied().unwrap_or(0);
            base.full += Decimal::from(value);
            base.rest += Decimal::from(value - taken);
        }
        base
    }

    /// The `skipped` entry naming the lines a non-combining tier leaves out.
    fn left_out_note(&self, tier: &Tier, lines: &[CleanLine]) -> Option<Skipped> {
        if self.left_out.is_empty() {
            return None;
        }
        let products: Vec<&str> = self
            .left_out
            .iter()
            .filter_map(|&i| lines.get(i).map(|l| l.product_id.as_str()))
            .collect();
        Some(Skipped {
            source: Source::Tier,
            reason: format!(
                "the {} tier discount does not combine with promotions: not on {} already discounted by the channel",
                tier.name,
                products.join(", ")
            ),
            by_policy: true,
        })
    }
}

/// Prices a cart.
pub fn run(input: &PipelineInput<'_>) -> Breakdown {
    let cart = cart(input.lines);
    let subtotal: i64 = input.lines.iter().map(|l| l.quantity * l.unit_price).sum();
    let mut with_vouchers = Checkout::for_shopper(&cart, input.shopper);
    let (mut applied, mut skipped) = apply_offers(&mut with_vouchers, input.vouchers);
    let voucher_total: i64 = applied.iter().map(|a| a.amount).sum();

    let tier = input.tier.filter(|t| t.discount_percent > Decimal::ZERO);
    let mut tier_amount = 0;
    if let Some(t) = tier {
        let cap = t.discount_cap.map(Decimal::from);
        let base = TierBase::of(&with_vouchers, t.combines_with_promotions);
        if let Some(note) = base.left_out_note(t, input.lines) {
            skipped.push(note);
        }
        let on_rest = vnd(tier_discount(base.rest, t.discount_percent, cap));
        if voucher_total == 0 || t.combines_with_promotions {
            tier_amount = on_rest;
        } else {
            // The tier does not combine with promotions: keep whichever gives more.
            let alone = vnd(tier_discount(base.full, t.discount_percent, cap));
            if alone >= voucher_total {
                for a in applied.drain(..) {
                    skipped.push(Skipped {
                        source: a.source,
                        reason: format!(
                            "does not combine with the {} tier discount, which gives more ({alone} VND against {voucher_total} VND)",
                            t.name
                        ),
                        by_policy: true,
                    });
                }
                tier_amount = alone;
            } else {
                skipped.push(Skipped {
                    source: Source::Tier,
                    reason: format!(
                        "the {} tier discount does not combine with promotions; the vouchers give more ({voucher_total} VND against {alone} VND)",
                        t.name
                    ),
                    by_policy: true,
                });
            }
        }
        if tier_amount > 0 {
            applied.push(Applied {
                source: Source::Tier,
                label: format!("{} tier {}%", t.name, t.discount_percent.normalize()),
                amount: tier_amount,
            });
        }
    }
    let voucher_discount: i64 = applied
        .iter()
        .filter(|a| matches!(a.source, Source::Voucher { .. } | Source::Offer { .. }))
        .map(|a| a.amount)
        .sum();
    let total = (subtotal - voucher_discount - tier_amount).max(0);
    let cap = input.tier.and_then(|t| t.redeem_cap).map(Decimal::from);
    let r = redeem(
        input.redeem_points,
        input.point_rate,
        Decimal::from(total),
        cap,
    );
    let points_value = vnd(r.value);
    if r.points < input.redeem_points {
        skipped.push(Skipped {
            source: Source::Points,
            reason: format!(
                "{} of the {} points asked for can pay: limited by the tier's cap and the total",
                r.points, input.redeem_points
            ),
            by_policy: true,
        });
    }
    if r.points > 0 {
        applied.push(Applied {
            source: Source::Points,
            label: format!("{} points", r.points),
            amount: points_value,
        });
    }
    let paid = total - points_value;
    let earned = offers_earning(&with_vouchers, input, &applied, paid);
    Breakdown {
        subtotal,
        applied,
        skipped,
        tier_discount: tier_amount,
        voucher_discount,
        points_redeemed: r.points,
        points_value,
        total,
        paid,
        earned,
    }
}

/// What the applied offers add to the order's points, on what the customer pays for
/// each line: offers' shares come off their lines, the tier discount and the points off
/// every line in proportion. Offers set aside by the stacking policy earn nothing.
fn offers_earning(
    checkout: &Checkout<'_>,
    input: &PipelineInput<'_>,
    applied: &[Applied],
    paid: i64,
) -> Earned {
    let earning: Vec<&VoucherOffer> = input
        .vouchers
        .iter()
        .filter(|v| v.offer.earns())
        .filter(|v| {
            let source = source_of(v);
            applied.iter().any(|a| a.source == source)
        })
        .collect();
    if earning.is_empty() {
        return Earned::default();
    }
    let paid = paid_per_line(&checkout.left_per_line(), paid);
    let base = EarnBase {
        cart: checkout.cart,
        paid: &paid,
        shopper: input.shopper,
    };
    earning
        .iter()
        .fold(Earned::default(), |sum, v| sum.plus(v.offer.earn(&base)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::with_table;
    use loyalty_entities::order_discount;
    use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QuerySelect};

    #[test]
    fn the_wire_names_a_source_by_its_stored_kind_and_a_vouchers_code() {
        let voucher = Source::Voucher {
            code: "SUMMER10".into(),
            offer_id: None,
        };
        assert_eq!(Source::Tier.label(), "TIER");
        assert_eq!(voucher.label(), "VOUCHER:SUMMER10");
        assert_eq!(Source::Points.label(), "POINTS");
        assert_eq!(voucher.kind(), DiscountSource::Voucher);
        assert_eq!(voucher.voucher_code(), Some("SUMMER10"));
        assert_eq!(Source::Tier.voucher_code(), None);
    }

    #[tokio::test]
    async fn a_kind_is_stored_as_its_name_and_an_unknown_one_is_an_error() {
        let db = with_table(order_discount::Entity).await;
        let row = order_discount::Model {
            shop_id: Uuid::now_v7(),
            order_id: Uuid::now_v7(),
            seq: 0,
            source: Source::Points.kind(),
            label: "100 points".into(),
            amount: 100,
            offer_id: None,
            voucher_code: None,
        };
        order_discount::Entity::insert(row.clone().into_active_model())
            .exec_without_returning(&db)
            .await
            .expect("insert");
        let stored: Vec<String> = order_discount::Entity::find()
            .select_only()
            .column(order_discount::Column::Source)
            .into_tuple()
            .all(&db)
            .await
            .expect("raw kind");
        assert_eq!(stored, ["POINTS"]);
        let read = order_discount::Entity::find().all(&db).await;
        assert_eq!(read.expect("a known kind reads"), [row]);

        db.execute_unprepared("UPDATE order_discounts SET source = 'COUPON'")
            .await
            .expect("update");
        let err = order_discount::Entity::find()
            .all(&db)
            .await
            .expect_err("an unknown kind must not read as some kind");
        assert!(
            matches!(&err, DbErr::Type(m) if m.contains("COUPON")),
            "{err:?}"
        );
    }
}
