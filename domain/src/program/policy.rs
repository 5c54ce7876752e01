//! The shop's point and tier policy, loaded once per transaction: when new points become
//! available and expire, which cycle a day belongs to, and which tier a spend reaches.
use super::configure::load_versioned;
use super::cycle;
use super::expiry::expires_at;
use super::settings::{Program, ProgramStatus};
use crate::shops::{self, Shop};
use crate::tiers::{self, Tier};
use crate::{DomainError, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// Everything the ledger needs to know about the shop's program.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The shop (time zone).
    pub shop: Shop,
    /// The program settings.
    pub program: Program,
    /// The tiers by rank.
    pub tiers: Vec<Tier>,
    /// The program row's version these were read at.
    pub version: i64,
}

impl Policy {
    /// Loads the policy of `shop_id`.
    pub async fn load<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Self> {
        let (program, version) = load_versioned(conn, shop_id).await?;
        Self::load_with(conn, program, version).await
    }

    /// The policy around a program just read at `version`.
    pub(crate) async fn load_with<C: ConnectionTrait>(
        conn: &C,
        program: Program,
        version: i64,
    ) -> Result<Self> {
        Ok(Self {
            shop: shops::load(conn, program.shop_id).await?,
            tiers: tiers::ranked(conn, program.shop_id, program.spend_per_ranking_point).await?,
            program,
            version,
        })
    }

    /// Why an order earns nothing while the program is a draft, as the order result and
    /// the quote say it (under `skipped`, source `POINTS`).
    pub const DRAFT_EARNS_NOTHING: &'static str = "the loyalty program is DRAFT: orders earn and redeem no points until an ADMIN activates it (activateProgram)";

    /// Whether orders earn points and move tiers.
    pub fn is_active(&self) -> bool {
        self.program.status == ProgramStatus::Active
    }

    /// Refuses point operations while the program is a draft.
    pub fn require_active(&self) -> Result<()> {
        if self.is_active() {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "program",
                "the loyalty program is not active yet: activate it first",
            ))
        }
    }

    /// The day the program was activated (today before activation), in shop time.
    fn activation_day(&self, now: DateTime<Utc>) -> NaiveDate {
        self.shop
            .local_date(self.program.activated_at.unwrap_or(now))
    }

    /// First day of the cycle containing the instant `at`.
    pub fn cycle_of(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> NaiveDate {
        cycle::cycle_start(
            &self.program,
            self.activation_day(now),
            self.shop.local_date(at),
        )
    }

    /// First day of the cycle before the one starting on `start`.
    pub fn previous_cycle(&self, start: NaiveDate) -> Option<NaiveDate> {
        cycle::previous_cycle_start(&self.program, start)
    }

    /// First day of the cycle after the one starting on `start`; `None` in a lifetime
    /// program.
    pub fn next_cycle(&self, start: NaiveDate, now: DateTime<Utc>) -> Option<NaiveDate> {
        cycle::next_cycle_start(&self.program, self.activation_day(now), start)
    }

    /// When points earned at `now` become spendable.
    pub fn available_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::hours(self.program.pending_hours)
    }

    /// When points earned at `now` expire.
    pub fn expires_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let anchor = self.cycle_of(now, now);
        expires_at(&self.program, self.shop.time_zone, anchor, now)
    }

    /// The tier a ranking spend reaches.
    pub fn tier_for(&self, spend: i64) -> Option<&Tier> {
        tiers::tier_for_spend(&self.tiers, spend, self.program.spend_per_ranking_point)
    }

    /// A tier by id.
    pub fn tier(&self, id: Option<Uuid>) -> Option<&Tier> {
        id.and_then(|id| self.tiers.iter().find(|t| t.id == id))
    }

    /// Whether a customer, registered or not, gets the program's benefits (see
    /// [`super::enrollment`]).
    pub fn admits(&self, registered: bool) -> bool {
        self.program.enrollment.admits(registered)
    }

    /// The tier whose discount, multiplier and redemption cap a customer gets: the one
    /// its ranking spend reached (`tier_id`), or none when the program does not admit it.
    /// The quote and both write paths of an order price with this and nothing else, so a
    /// customer outside the program gets no tier discount and earns nothing anywhere.
    pub fn benefits_tier(&self, tier_id: Option<Uuid>, registered: bool) -> Option<&Tier> {
        // A DRAFT program gives no tier, even to a member an activation that is still
        // running has ranked already.
        if self.is_active() && self.admits(registered) {
            self.tier(tier_id)
        } else {
            None
        }
    }

    /// Refuses paying with points (`field`) for a customer the program does not admit.
    pub fn require_admitted(&self, registered: bool, field: &str) -> Result<()> {
        if self.admits(registered) {
            Ok(())
        } else {
            Err(super::enrollment::not_a_member(field))
        }
    }
}
