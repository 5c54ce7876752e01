//! An offer's limits as the merchant sets them: a budget of uses and/or of discount, a
//! number of uses per customer, and a cap on a percent offer's amount. The first three
//! are counted when orders are recorded (`offers::usage`); the cap is part of pricing
//! (the `percent` rule's `max_discount`).
use crate::limits::{MAX_ORDER_VND, MAX_SPEND_VND, grouped};
use crate::{DomainError, Result};

/// Most uses a budget or a per-customer limit may name: more than any shop sells.
pub const MAX_USES: i64 = 1_000_000_000;

/// An offer's limits; `None`: unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OfferLimits {
    /// Total uses of the offer.
    pub budget_uses: Option<i64>,
    /// Total discount the offer may give, VND.
    pub budget_discount: Option<i64>,
    /// Uses per customer (per member; per phone for unregistered customers of a public
    /// code).
    pub per_customer: Option<i64>,
    /// Most a percent offer takes off one order, VND.
    pub max_discount: Option<i64>,
}

fn within(field: &str, value: Option<i64>, most: i64) -> Result<()> {
    match value {
        Some(v) if !(1..=most).contains(&v) => Err(DomainError::invalid(
            field,
            format!("must be between 1 and {}", grouped(most)),
        )),
        _ => Ok(()),
    }
}

impl OfferLimits {
    /// Whether orders count anything for this offer (a cap alone counts nothing).
    pub fn counted(&self) -> bool {
        self.budget_uses.is_some() || self.budget_discount.is_some() || self.per_customer.is_some()
    }

    /// Checks the limits of an offer whose discount is a percent (`percent`) or not.
    pub fn check(&self, percent: bool) -> Result<()> {
        within("budget.uses", self.budget_uses, MAX_USES)?;
        within("budget.discount", self.budget_discount, MAX_SPEND_VND)?;
        within("perCustomerLimit", self.per_customer, MAX_USES)?;
        within("maxDiscount", self.max_discount, MAX_ORDER_VND)?;
        if self.max_discount.is_some() && !percent {
            return Err(DomainError::invalid(
                "maxDiscount",
                "caps a PERCENT discount only",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded_and_a_cap_needs_a_percent() {
        let ok = OfferLimits {
            budget_uses: Some(10),
            budget_discount: Some(1_000_000),
            per_customer: Some(1),
            max_discount: Some(50_000),
        };
        assert!(ok.check(true).is_ok());
        assert!(ok.counted());
        assert!(ok.check(false).is_err(), "a cap on a fixed discount");
        for bad in [
            OfferLimits {
                budget_uses: Some(0),
                ..OfferLimits::default()
            },
            OfferLimits {
                per_customer: Some(MAX_USES + 1),
                ..OfferLimits::default()
            },
            OfferLimits {
                budget_discount: Some(-1),
                ..OfferLimits::default()
            },
        ] {
            assert!(bad.check(true).is_err(), "{bad:?}");
        }
        let cap_only = OfferLimits {
            max_discount: Some(1),
            ..OfferLimits::default()
        };
        assert!(!cap_only.counted());
    }
}
