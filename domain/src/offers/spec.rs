//! An offer as merchants describe it (the contract's `OfferInput`), turned into rule
//! configuration. The shape-to-rules mapping lives here, once; pricing never sees it.
use super::limits::OfferLimits;
use super::reach::Reach;
use super::registry::{OfferConfig, RuleConfig, default_rules};
use crate::limits::{MAX_LINES, MAX_ORDER_VND, MAX_QUANTITY, grouped};
use crate::money::vnd_from_decimal;
use crate::{DomainError, Result};
use loyalty_rules::{Phase, Target};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// Percent or fixed VND.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountKind {
    /// Percent of the order.
    Percent,
    /// Fixed VND.
    Fixed,
}

/// What a fixed discount is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedPer {
    /// Once per order.
    Order,
    /// Per targeted unit.
    Item,
}

/// What the offer targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// The whole order.
    Order,
    /// Products.
    Product,
    /// Product groups.
    Group,
}

/// The merchant's description of an offer.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferSpec {
    /// Name shown to customers.
    pub name: String,
    /// Internal description.
    pub description: Option<String>,
    /// Square image URL.
    pub image_url: Option<String>,
    /// Percent or fixed.
    pub discount_kind: DiscountKind,
    /// Percent, or VND.
    pub value: Decimal,
    /// For fixed discounts; default once per order.
    pub fixed_per: Option<FixedPer>,
    /// What it targets.
    pub target_kind: TargetKind,
    /// Product or group ids.
    pub target_ids: Vec<String>,
    /// Condition: targeted units.
    pub min_quantity: Option<i64>,
    /// Condition: value, VND.
    pub min_value: Option<Decimal>,
    /// Days a voucher lives after issue; none: unlimited.
    pub valid_days: Option<i64>,
    /// May touch items that already carry a promotion; default true.
    pub applies_to_discounted: Option<bool>,
    /// Further rules by kind, for kinds beyond the contract's shape.
    pub extra_rules: Vec<RuleConfig>,
    /// How it reaches a checkout and stacks there; default a personal voucher.
    pub reach: Reach,
    /// Budget, per-customer limit and cap; default unlimited.
    pub limits: OfferLimits,
}

fn rule(kind: &str, args: Value) -> RuleConfig {
    RuleConfig {
        kind: kind.to_owned(),
        args: args.as_object().cloned().unwrap_or_default(),
    }
}

impl OfferSpec {
    /// Checks the merchant-facing fields and produces the rule configuration.
    pub fn to_config(&self) -> Result<OfferConfig> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(DomainError::invalid(
                "name",
                "an offer name has 1 to 200 characters",
            ));
        }
        if let Some(url) = &self.image_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(DomainError::invalid("imageUrl", "must be an http(s) URL"));
        }
        if let Some(d) = self.valid_days
            && !(1..=3650).contains(&d)
        {
            return Err(DomainError::invalid(
                "validDays",
                "must be between 1 and 3650",
            ));
        }
        let most_vnd = Decimal::from(MAX_ORDER_VND);
        if self.discount_kind == DiscountKind::Fixed {
            vnd_from_decimal("value", self.value)?;
        }
        if let Some(v) = self.min_value {
            vnd_from_decimal("minValue", v)?;
        }
        if self.discount_kind == DiscountKind::Fixed && self.value > most_vnd {
            return Err(DomainError::invalid(
                "value",
                format!("a fixed discount is at most {} VND", grouped(MAX_ORDER_VND)),
            ));
        }
        if self.min_value.is_some_and(|v| v > most_vnd) {
            return Err(DomainError::invalid(
                "minValue",
                format!("at most {} VND", grouped(MAX_ORDER_VND)),
            ));
        }
        // More units than any order can hold would never apply.
        let most_units = MAX_LINES as i64 * MAX_QUANTITY;
        if self.min_quantity.is_some_and(|q| q > most_units) {
            return Err(DomainError::invalid(
                "minQuantity",
                format!("at most {}", grouped(most_units)),
            ));
        }
        if self.fixed_per.is_some() && self.discount_kind == DiscountKind::Percent {
            return Err(DomainError::invalid(
                "fixedPer",
                "applies to FIXED discounts only",
            ));
        }
        let ids: Vec<String> = self
            .target_ids
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let target = match self.target_kind {
            TargetKind::Order if ids.is_empty() => Target::Order,
            TargetKind::Order => {
                return Err(DomainError::invalid(
                    "targetIds",
                    "an ORDER target takes no ids",
                ));
            }
            TargetKind::Product | TargetKind::Group if ids.is_empty() => {
                return Err(DomainError::invalid(
                    "targetIds",
                    "name at least one product or group id",
                ));
            }
            TargetKind::Product => Target::Products(ids),
            TargetKind::Group => Target::Groups(ids),
        };
        // A further rule that is a discount of its own (buy_x_get_y, tiered) is the
        // offer's discount: `value` then describes nothing, so it must say 0 rather than
        // be dropped silently.
        let (own, earns) = self.own_discount()?;
        if let Some(kind) = own {
            if !self.value.is_zero() {
                return Err(DomainError::invalid(
                    "value",
                    format!("must be 0: the {kind} rule gives the discount"),
                ));
            }
            if self.fixed_per.is_some() {
                return Err(DomainError::invalid(
                    "fixedPer",
                    format!("the {kind} rule gives the discount"),
                ));
            }
        }
        self.limits
            .check(self.discount_kind == DiscountKind::Percent && own.is_none())?;
        let value = self.value.normalize().to_string();
        let mut rules = vec![match (
            self.discount_kind,
            self.fixed_per.unwrap_or(FixedPer::Order),
        ) {
            (DiscountKind::Percent, _) => match self.limits.max_discount {
                None => rule("percent", json!({ "percent": value })),
                Some(cap) => rule(
                    "percent",
                    json!({ "percent": value, "max_discount": cap.to_string() }),
                ),
            },
            (DiscountKind::Fixed, FixedPer::Order) => {
                rule("fixed_per_order", json!({ "amount": value }))
            }
            (DiscountKind::Fixed, FixedPer::Item) => {
                rule("fixed_per_item", json!({ "amount": value }))
            }
        }];
        // An offer whose only effect is points (an earning rule, `value` 0) has no
        // discount at all, rather than a discount of 0 that the percent rule refuses.
        if own.is_some() || (earns && self.value.is_zero() && self.fixed_per.is_none()) {
            rules.clear();
        }
        if let Some(q) = self.min_quantity {
            rules.push(rule("min_quantity", json!({ "quantity": q })));
        }
        if let Some(v) = self.min_value {
            rules.push(rule(
                "min_value",
                json!({ "amount": v.normalize().to_string() }),
            ));
        }
        rules.push(rule(
            "stacking",
            json!({ "applies_to_discounted": self.applies_to_discounted.unwrap_or(true) }),
        ));
        rules.extend(self.extra_rules.iter().cloned());
        Ok(OfferConfig { target, rules })
    }

    /// The kind of the first further rule that is a discount of its own, if any, and
    /// whether a further rule earns points; a further rule whose arguments are refused
    /// is reported here, in its own words.
    fn own_discount(&self) -> Result<(Option<&str>, bool)> {
        let registry = default_rules();
        let (mut own, mut earns) = (None, false);
        for r in &self.extra_rules {
            let Some(kind) = registry.get(&r.kind) else {
                continue;
            };
            let rule =
                (kind.build)(&r.args).map_err(|e| DomainError::invalid("input", e.to_string()))?;
            match rule.phase() {
                Phase::Discount if own.is_none() => own = Some(r.kind.as_str()),
                Phase::Earning => earns = true,
                _ => {}
            }
        }
        Ok((own, earns))
    }
}
