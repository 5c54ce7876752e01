//! What a campaign earned after its costs (seed 000: "theo dõi chi phí, lợi nhuận"): the
//! revenue attributed to it, less what its messages cost and the discount its vouchers
//! gave, and the revenue each VND of messaging brought back.
use super::report::CampaignReport;
use crate::Result;
use crate::sql::sum_bigint;
use loyalty_entities::{campaign_delivery, order_discount, voucher};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, JoinType, Query};
use uuid::Uuid;

/// Decimal places of [`Profit::return_on_spend`]: a ratio read by people, where a
/// third of a hundredth says nothing more.
pub const RETURN_ON_SPEND_SCALE: u32 = 2;

/// A campaign's profit figures, VND except the ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profit {
    /// Discount the campaign's vouchers gave on the orders that used them.
    pub voucher_discount: Decimal,
    /// Attributed revenue − message cost − voucher discount; negative when it lost money.
    pub profit: Decimal,
    /// Attributed revenue / message cost, rounded half-up to
    /// [`RETURN_ON_SPEND_SCALE`] places; none while nothing was spent.
    pub return_on_spend: Option<Decimal>,
}

/// The profit figures from a report's revenue and cost and the vouchers' discount.
pub fn profit_of(attributed_revenue: i64, cost: i64, voucher_discount: i64) -> Profit {
    let revenue = Decimal::from(attributed_revenue);
    let cost = Decimal::from(cost);
    let voucher_discount = Decimal::from(voucher_discount);
    Profit {
        voucher_discount,
        profit: revenue - cost - voucher_discount,
        return_on_spend: revenue
            .checked_div(cost)
            .filter(|_| !cost.is_zero())
            .map(|r| {
                r.round_dp_with_strategy(
                    RETURN_ON_SPEND_SCALE,
                    RoundingStrategy::MidpointAwayFromZero,
                )
            }),
    }
}

/// The discount given by the vouchers the campaign's messages carried, on the orders
/// that used them: each delivery's voucher by its code, then that voucher's discount
/// line on its order (keys all the way, no scan of the shop's orders).
pub async fn voucher_discount<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    campaign_id: Uuid,
) -> Result<i64> {
    let d = |c: campaign_delivery::Column| Expr::col((campaign_delivery::Entity, c));
    let v = |c: voucher::Column| Expr::col((voucher::Entity, c));
    let od = |c: order_discount::Column| (order_discount::Entity, c);
    let query = Query::select()
        .expr(sum_bigint(Expr::col(od(order_discount::Column::Amount))))
        .from(campaign_delivery::Entity)
        .join(
            JoinType::InnerJoin,
            voucher::Entity,
            Condition::all()
                .add(
                    v(voucher::Column::ShopId)
                        .equals((campaign_delivery::Entity, campaign_delivery::Column::ShopId)),
                )
                .add(v(voucher::Column::Code).equals((
                    campaign_delivery::Entity,
                    campaign_delivery::Column::VoucherCode,
                ))),
        )
        .join(
            JoinType::InnerJoin,
            order_discount::Entity,
            Condition::all()
                .add(
                    Expr::col(od(order_discount::Column::ShopId))
                        .equals((voucher::Entity, voucher::Column::ShopId)),
                )
                .add(
                    Expr::col(od(order_discount::Column::OrderId))
                        .equals((voucher::Entity, voucher::Column::OrderId)),
                )
                .add(
                    Expr::col(od(order_discount::Column::VoucherCode))
                        .equals((voucher::Entity, voucher::Column::Code)),
                ),
        )
        .and_where(d(campaign_delivery::Column::ShopId).eq(shop_id))
        .and_where(d(campaign_delivery::Column::CampaignId).eq(campaign_id))
        .to_owned();
    Ok(match conn.query_one(&query).await? {
        Some(row) => row.try_get_by_index::<i64>(0)?,
        None => 0,
    })
}

/// The profit figures of a campaign whose report is `report`.
pub async fn profit<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    campaign_id: Uuid,
    report: &CampaignReport,
) -> Result<Profit> {
    let discount = voucher_discount(conn, shop_id, campaign_id).await?;
    Ok(profit_of(report.attributed_revenue, report.cost, discount))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// README's worked example: 1,000 e-mails at 20 VND, 12 orders paying 4,350,000
    /// VND, 6 vouchers of 50,000 used.
    #[test]
    fn profit_is_revenue_less_messages_and_discounts() {
        let p = profit_of(4_350_000, 20_000, 300_000);
        assert_eq!(p.profit, dec!(4030000));
        assert_eq!(p.return_on_spend, Some(dec!(217.50)));
        assert_eq!(p.voucher_discount, dec!(300000));
    }

    #[test]
    fn a_losing_campaign_has_a_negative_profit_and_a_ratio_rounded_half_up() {
        let p = profit_of(100, 300, 50);
        assert_eq!(p.profit, dec!(-250));
        // 100 / 300 = 0.3333…
        assert_eq!(p.return_on_spend, Some(dec!(0.33)));
        assert_eq!(profit_of(1, 8, 0).return_on_spend, Some(dec!(0.13)));
    }

    #[test]
    fn nothing_spent_has_no_return_on_spend() {
        assert_eq!(profit_of(5_000, 0, 0).return_on_spend, None);
    }
}
