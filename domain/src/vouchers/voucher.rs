//! The voucher as services see it.
use chrono::{DateTime, Utc};
use loyalty_entities::voucher;
use uuid::Uuid;

/// Where a voucher came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoucherSource {
    /// Issued by the merchant.
    Manual,
    /// Bought with points.
    Reward,
    /// Sent by a campaign.
    Campaign,
}

impl VoucherSource {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VoucherSource::Manual => "MANUAL",
            VoucherSource::Reward => "REWARD",
            VoucherSource::Campaign => "CAMPAIGN",
        }
    }
}

/// A voucher's state at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoucherStatus {
    /// Neither used nor expired (its offer may still have been archived since).
    Usable,
    /// Used on an order.
    Used,
    /// Past its expiry.
    Expired,
}

/// A voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    /// The code.
    pub code: String,
    /// Its offer.
    pub offer_id: Uuid,
    /// The member it was issued to.
    pub member_id: Option<Uuid>,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Used.
    pub used_at: Option<DateTime<Utc>>,
    /// The order that used it.
    pub order_id: Option<Uuid>,
}

impl Voucher {
    /// Reads a stored row.
    pub fn from_row(row: voucher::Model) -> Self {
        Self {
            code: row.code,
            offer_id: row.offer_id,
            member_id: row.member_id,
            issued_at: row.issued_at,
            expires_at: row.expires_at,
            used_at: row.used_at,
            order_id: row.order_id,
        }
    }

    /// Its state at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> VoucherStatus {
        if self.used_at.is_some() {
            VoucherStatus::Used
        } else if self.expires_at.is_some_and(|e| e <= now) {
            VoucherStatus::Expired
        } else {
            VoucherStatus::Usable
        }
    }
}
