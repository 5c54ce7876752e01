//! The member as the services see it.
use crate::{DomainError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use loyalty_entities::member;
use uuid::Uuid;

/// Gender as the seeds record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Gender {
    /// Nữ.
    Female,
    /// Nam.
    Male,
    /// Không xác định.
    Unknown,
}

impl Gender {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "FEMALE",
            Gender::Male => "MALE",
            Gender::Unknown => "UNKNOWN",
        }
    }

    /// Reads a stored value.
    pub fn parse(raw: &str) -> Result<Self> {
        match raw {
            "FEMALE" => Ok(Gender::Female),
            "MALE" => Ok(Gender::Male),
            "UNKNOWN" => Ok(Gender::Unknown),
            other => Err(DomainError::Internal(format!("stored gender '{other}'"))),
        }
    }
}

/// A customer of a shop; a registered member once `registered_at` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Our id.
    pub id: Uuid,
    /// The shop.
    pub shop_id: Uuid,
    /// The sales channel's id for the customer, unique per shop.
    pub external_id: String,
    /// Full name.
    pub name: Option<String>,
    /// Normalized phone.
    pub phone: Option<String>,
    /// Lower-cased e-mail.
    pub email: Option<String>,
    /// Birthday.
    pub birthday: Option<NaiveDate>,
    /// Gender.
    pub gender: Gender,
    /// Province or city.
    pub province: Option<String>,
    /// District.
    pub district: Option<String>,
    /// When the customer became a registered member.
    pub registered_at: Option<DateTime<Utc>>,
    /// Current tier, once the program is active.
    pub tier_id: Option<Uuid>,
    /// Paid spend counted toward the tier in the current cycle, VND.
    pub ranking_spend: i64,
    /// Orders placed.
    pub total_orders: i64,
    /// Paid spend over all time, VND.
    pub total_spent: i64,
    /// Last order time.
    pub last_purchase_at: Option<DateTime<Utc>>,
    /// When the profile was created here.
    pub created_at: DateTime<Utc>,
    /// Available points as last cached (see `ledger::cache`); `Member.points` reads the ledger.
    pub points_available: i64,
    /// Where the customer came from; `None` is unknown.
    pub source: Option<super::Source>,
}

impl Member {
    /// Reads a stored row.
    pub fn from_row(row: member::Model) -> Result<Self> {
        Ok(Self {
            gender: Gender::parse(&row.gender)?,
            source: super::Source::parse(row.source.as_deref()),
            id: row.id,
            shop_id: row.shop_id,
            external_id: row.external_id,
            name: row.name,
            phone: row.phone,
            email: row.email,
            birthday: row.birthday,
            province: row.province,
            district: row.district,
            registered_at: row.registered_at,
            tier_id: row.tier_id,
            ranking_spend: row.ranking_spend,
            total_orders: row.total_orders,
            total_spent: row.total_spent,
            last_purchase_at: row.last_purchase_at,
            created_at: row.created_at,
            points_available: row.points_available,
        })
    }
}
