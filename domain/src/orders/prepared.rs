//! An order as both write paths take it.
//!
//! Everything that does not depend on what the database holds is worked out once, here:
//! the lines validated, the order's key and customer trimmed, the presented codes
//! normalized, the request hashed, the order's time fixed. The locked path and the
//! batches plan from the same value with the same planner (`plan::plan`), so what an
//! order's transaction comes to write is decided in one place for both.
use super::input::{OrderInput, validate};
use crate::Result;
use crate::checkout::CleanLine;
use crate::ledger::idempotency::request_hash;
use crate::vouchers::lookup;
use chrono::{DateTime, SubsecRound, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// An order ready to plan.
#[derive(Debug, Clone)]
pub struct PreparedOrder {
    /// The shop.
    pub shop_id: Uuid,
    /// The order as sent.
    pub input: OrderInput,
    /// Its validated lines.
    pub lines: Vec<CleanLine>,
    /// The order's external id, trimmed: its idempotency key.
    pub key: String,
    /// The customer's external id, trimmed.
    pub customer: String,
    /// The presented voucher codes as stored.
    pub codes: Vec<String>,
    /// The hash of the request, which a retry must match.
    pub hash: String,
    /// The order's time, in microseconds as both databases keep it (the rows written and
    /// the answer built from them in memory then agree to the last digit).
    pub now: DateTime<Utc>,
    /// Whether the shop subscribes to an order's events, so the plan raises them.
    pub raise_events: bool,
    /// The audited change the order is part of (who sent it, through which request),
    /// taken from the caller's task: a batch writes the order's audit row in another.
    pub audit: Option<Arc<crate::audit::Scope>>,
}

impl PreparedOrder {
    /// Validates `input` for `shop_id` at `now`.
    pub fn new(shop_id: Uuid, input: OrderInput, now: DateTime<Utc>) -> Result<Self> {
        let now = now.trunc_subsecs(6);
        let lines = validate(&input, now)?;
        Ok(Self {
            shop_id,
            key: input.external_id.trim().to_owned(),
            customer: input.member_external_id.trim().to_owned(),
            codes: lookup::normalize_all(&input.voucher_codes),
            hash: request_hash(&input),
            lines,
            input,
            now,
            raise_events: false,
            audit: crate::audit::current(),
        })
    }

    /// Whether the order redeems points (then the customer's lots are read).
    pub fn redeems(&self) -> bool {
        self.input.redeem_points > 0
    }
}
