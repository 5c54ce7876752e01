//! The offer as services see it.
use super::limits::OfferLimits;
use super::reach::Reach;
use super::registry::OfferConfig;
use super::spec::DiscountKind;
use crate::money::stored_decimal;
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::offer::{self, OfferStatus};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A stored offer.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// Its id.
    pub id: Uuid,
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
    /// Voucher lifetime in days; none: unlimited.
    pub valid_days: Option<i64>,
    /// Whether it is still issuable and usable.
    pub status: OfferStatus,
    /// Its pricing.
    pub config: OfferConfig,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// How it reaches a checkout and stacks there.
    pub reach: Reach,
    /// Its limits.
    pub limits: OfferLimits,
}

impl Offer {
    /// Still issuable and usable: not archived.
    pub fn is_active(&self) -> bool {
        self.status == OfferStatus::Active
    }

    /// Reads a stored row.
    pub fn from_row(row: offer::Model) -> Result<Self> {
        let config: OfferConfig = serde_json::from_str(&row.config)
            .map_err(|e| DomainError::Internal(format!("stored offer config: {e}")))?;
        Ok(Self {
            reach: Reach {
                delivery: row.delivery,
                code: row.code.clone(),
                priority: row.priority,
                exclusive: row.exclusive,
            },
            limits: OfferLimits {
                budget_uses: row.budget_uses,
                budget_discount: row.budget_discount,
                per_customer: row.per_customer_limit,
                max_discount: max_discount(&config),
            },
            id: row.id,
            discount_kind: match row.discount_kind.as_str() {
                "PERCENT" => DiscountKind::Percent,
                "FIXED" => DiscountKind::Fixed,
                other => {
                    return Err(DomainError::Internal(format!(
                        "stored discount kind '{other}'"
                    )));
                }
            },
            value: stored_decimal("value", &row.value)?,
            config,
            status: row.status,
            name: row.name,
            description: row.description,
            image_url: row.image_url,
            valid_days: row.valid_days,
            created_at: row.created_at,
        })
    }
}

/// The cap a percent offer stores in its rule (the rule, not a column, applies it).
fn max_discount(config: &OfferConfig) -> Option<i64> {
    config
        .rules
        .iter()
        .filter(|r| r.kind == "percent")
        .find_map(|r| r.args.get("max_discount")?.as_str()?.parse().ok())
}
