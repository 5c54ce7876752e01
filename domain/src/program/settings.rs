//! The program's settings as domain types, read from and written to the `programs` row.
use super::enrollment::Enrollment;
use crate::limits::MAX_POINTS;
use crate::money::{store_decimal, stored_decimal};
use crate::{DomainError, Result};
use chrono::{DateTime, NaiveDate, Utc};
use loyalty_entities::program;
use loyalty_rules::points_redemption::PointRate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

/// Whether the program is being set up or running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramStatus {
    /// Being set up: no points or tiers are computed.
    Draft,
    /// Running: orders earn points and move tiers.
    Active,
}

/// How tiers are computed at activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivationMode {
    /// Everyone starts at the initial tier; earlier spend is ignored.
    InitialTier,
    /// Tiers and ranking points come from each customer's past paid orders.
    Backfill,
}

impl ActivationMode {
    /// The name it is stored under.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivationMode::InitialTier => "INITIAL_TIER",
            ActivationMode::Backfill => "BACKFILL",
        }
    }

    /// The mode stored as `stored`, if any.
    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "INITIAL_TIER" => Some(ActivationMode::InitialTier),
            "BACKFILL" => Some(ActivationMode::Backfill),
            _ => None,
        }
    }
}

/// The kinds of point expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryKind {
    /// Points never expire.
    Never,
    /// Points expire a number of days after they are earned.
    DaysAfterEarn,
    /// Points expire at the end of the period (every N months from the cycle start) they were earned in.
    EndOfPeriod,
}

/// When earned points expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Never.
    Never,
    /// `days` after the points are earned.
    DaysAfterEarn {
        /// Lifetime of a lot in days.
        days: u32,
    },
    /// At the end of the `months`-long period, counted from the cycle start, that the points were earned in.
    EndOfPeriod {
        /// Length of a period in months.
        months: u32,
    },
}

/// The kinds of accumulation cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleKind {
    /// Spend accumulates forever.
    Lifetime,
    /// Spend resets every 1 January (shop time).
    CalendarYear,
    /// Spend resets every N months from the start date.
    RollingMonths,
}

/// Over which window ranking spend accumulates toward tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cycle {
    /// Forever.
    Lifetime,
    /// Each calendar year in the shop's time zone.
    CalendarYear,
    /// Windows of `months` starting on `starts_on` (the activation day when unset).
    RollingMonths {
        /// Window length.
        months: u32,
        /// First day of the first window.
        starts_on: Option<NaiveDate>,
    },
}

/// What points pay at checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    /// A point pays its [`Program::point_value`] (seed 001 step 3: "computed from the
    /// reward rate by default"), following the earning settings as they change.
    FollowsPointValue,
    /// The merchant set it: this many points pay 1,000 VND, whatever the earning settings.
    PointsPerThousandVnd(i64),
}

/// A shop's program.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The shop.
    pub shop_id: Uuid,
    /// Draft or active.
    pub status: ProgramStatus,
    /// VND of paid spend per ranking point; immutable once active.
    pub spend_per_ranking_point: Decimal,
    /// Reward rate in percent of ranking points.
    pub reward_rate_percent: Decimal,
    /// What points pay at checkout.
    pub redemption: Redemption,
    /// Hours before earned points become available.
    pub pending_hours: i64,
    /// Expiry of earned points.
    pub expiry: Expiry,
    /// Accumulation cycle of ranking spend.
    pub cycle: Cycle,
    /// Who gets the tier discount, earns and redeems.
    pub enrollment: Enrollment,
    /// How the program was activated, once it is.
    pub activation_mode: Option<ActivationMode>,
    /// When it was activated.
    pub activated_at: Option<DateTime<Utc>>,
}

/// A partial change to the program; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ProgramPatch {
    /// See [`Program::spend_per_ranking_point`].
    pub spend_per_ranking_point: Option<Decimal>,
    /// See [`Program::reward_rate_percent`].
    pub reward_rate_percent: Option<Decimal>,
    /// Sets [`Redemption::PointsPerThousandVnd`].
    pub points_per_thousand_vnd: Option<i64>,
    /// `true` returns to [`Redemption::FollowsPointValue`]; `false` needs
    /// `points_per_thousand_vnd`.
    pub redemption_follows_point_value: Option<bool>,
    /// See [`Program::pending_hours`].
    pub pending_hours: Option<i64>,
    /// Expiry: kind, days, period months as given.
    pub expiry: Option<(ExpiryKind, Option<i64>, Option<i64>)>,
    /// Cycle: kind, months, start date as given.
    pub cycle: Option<(CycleKind, Option<i64>, Option<NaiveDate>)>,
    /// See [`Program::enrollment`].
    pub enrollment: Option<Enrollment>,
}

impl Program {
    /// The settings a new shop starts with (seed 001): 1 VND = 1 ranking point, rate 100 %,
    /// registered members only (seed 002).
    pub fn defaults(shop_id: Uuid) -> Self {
        Self {
            shop_id,
            status: ProgramStatus::Draft,
            spend_per_ranking_point: Decimal::ONE,
            reward_rate_percent: Decimal::ONE_HUNDRED,
            redemption: Redemption::FollowsPointValue,
            pending_hours: 0,
            expiry: Expiry::Never,
            cycle: Cycle::Lifetime,
            enrollment: Enrollment::MembersOnly,
            activation_mode: None,
            activated_at: None,
        }
    }

    /// Ranking points for a whole-VND spend: floor(spend / spend per ranking point).
    pub fn ranking_points(&self, spend: i64) -> i64 {
        crate::tiers::ranking_points(spend, self.spend_per_ranking_point)
    }

    /// VND a reward point is worth under the earning settings (seed 001 step 3):
    /// (1 ranking point / reward rate %) x spend per ranking point, i.e. 1 VND with the
    /// defaults and 1,000 VND at 1,000 VND per ranking point and 100 %. Exact when it
    /// terminates, otherwise to Decimal's 28 significant digits; `None` at a 0 % rate,
    /// where no point is earned to be worth anything.
    pub fn point_value(&self) -> Option<Decimal> {
        self.earned_rate().point_value()
    }

    /// [`Self::point_value`] as a ratio: `reward rate` points are earned by, and so are
    /// worth, `100 x spend per ranking point` VND.
    fn earned_rate(&self) -> PointRate {
        PointRate {
            points: self.reward_rate_percent,
            vnd: self
                .spend_per_ranking_point
                .checked_mul(Decimal::ONE_HUNDRED)
                .unwrap_or(Decimal::MAX),
        }
    }

    /// What points pay at checkout.
    pub fn redemption_rate(&self) -> PointRate {
        match self.redemption {
            Redemption::FollowsPointValue => self.earned_rate(),
            Redemption::PointsPerThousandVnd(n) => PointRate::per_thousand(n),
        }
    }

    /// VND one point pays at checkout (to 28 significant digits when it does not
    /// terminate); zero when points pay nothing.
    pub fn redemption_value(&self) -> Decimal {
        self.redemption_rate()
            .point_value()
            .unwrap_or(Decimal::ZERO)
    }

    /// Points that pay 1,000 VND: the merchant's number, or while the redemption follows
    /// the point value, 1,000 VND / point value rounded half-up to a whole number within
    /// 1 and [`MAX_POINTS`] ([`Self::redemption_value`] is the exact value).
    pub fn points_per_thousand_vnd(&self) -> i64 {
        match self.redemption {
            Redemption::PointsPerThousandVnd(n) => n,
            Redemption::FollowsPointValue => {
                let rate = self.earned_rate();
                rate.points
                    .checked_mul(Decimal::from(1000))
                    .and_then(|v| v.checked_div(rate.vnd))
                    .and_then(|v| {
                        v.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                            .to_i64()
                    })
                    .unwrap_or(MAX_POINTS)
                    .clamp(1, MAX_POINTS)
            }
        }
    }

    /// Reads a stored row.
    pub fn from_row(row: &program::Model) -> Result<Self> {
        let status = match row.status.as_str() {
            "DRAFT" => ProgramStatus::Draft,
            "ACTIVE" => ProgramStatus::Active,
            other => return Err(corrupt("status", other)),
        };
        let expiry = match row.expiry_kind.as_str() {
            "NEVER" => Expiry::Never,
            "DAYS_AFTER_EARN" => Expiry::DaysAfterEarn {
                days: positive_u32(row.expiry_days, "expiry_days")?,
            },
            "END_OF_PERIOD" => Expiry::EndOfPeriod {
                months: positive_u32(row.expiry_period_months, "expiry_period_months")?,
            },
            other => return Err(corrupt("expiry_kind", other)),
        };
        let cycle = match row.cycle_kind.as_str() {
            "LIFETIME" => Cycle::Lifetime,
            "CALENDAR_YEAR" => Cycle::CalendarYear,
            "ROLLING_MONTHS" => Cycle::RollingMonths {
                months: positive_u32(row.cycle_months, "cycle_months")?,
                starts_on: row.cycle_starts_on,
            },
            other => return Err(corrupt("cycle_kind", other)),
        };
        let activation_mode = match row.activation_mode.as_deref() {
            None => None,
            Some(stored) => Some(
                ActivationMode::parse(stored).ok_or_else(|| corrupt("activation_mode", stored))?,
            ),
        };
        Ok(Self {
            shop_id: row.shop_id,
            status,
            spend_per_ranking_point: stored_decimal(
                "spend_per_ranking_point",
                &row.spend_per_ranking_point,
            )?,
            reward_rate_percent: stored_decimal("reward_rate_percent", &row.reward_rate_percent)?,
            redemption: if row.redemption_rate_set {
                Redemption::PointsPerThousandVnd(row.points_per_thousand_vnd)
            } else {
                Redemption::FollowsPointValue
            },
            pending_hours: row.pending_hours,
            expiry,
            cycle,
            enrollment: Enrollment::parse(&row.enrollment)?,
            activation_mode,
            activated_at: row.activated_at,
        })
    }

    /// The row that stores these settings.
    pub fn to_row(&self, updated_at: DateTime<Utc>) -> program::Model {
        let (expiry_kind, expiry_days, expiry_period_months) = match self.expiry {
            Expiry::Never => ("NEVER", None, None),
            Expiry::DaysAfterEarn { days } => ("DAYS_AFTER_EARN", Some(i64::from(days)), None),
            Expiry::EndOfPeriod { months } => ("END_OF_PERIOD", None, Some(i64::from(months))),
        };
        let (cycle_kind, cycle_months, cycle_starts_on) = match self.cycle {
            Cycle::Lifetime => ("LIFETIME", None, None),
            Cycle::CalendarYear => ("CALENDAR_YEAR", None, None),
            Cycle::RollingMonths { months, starts_on } => {
                ("ROLLING_MONTHS", Some(i64::from(months)), starts_on)
            }
        };
        program::Model {
            shop_id: self.shop_id,
            status: match self.status {
                ProgramStatus::Draft => "DRAFT",
                ProgramStatus::Active => "ACTIVE",
            }
            .to_owned(),
            spend_per_ranking_point: store_decimal(self.spend_per_ranking_point),
            reward_rate_percent: store_decimal(self.reward_rate_percent),
            // While the redemption follows the point value the column holds its nearest
            // whole number, for whoever reads the table; the flag says which it is.
            points_per_thousand_vnd: self.points_per_thousand_vnd(),
            redemption_rate_set: matches!(self.redemption, Redemption::PointsPerThousandVnd(_)),
            pending_hours: self.pending_hours,
            expiry_kind: expiry_kind.to_owned(),
            expiry_days,
            expiry_period_months,
            cycle_kind: cycle_kind.to_owned(),
            cycle_months,
            cycle_starts_on,
            enrollment: self.enrollment.as_str().to_owned(),
            activation_mode: self.activation_mode.map(|m| m.as_str().to_owned()),
            activated_at: self.activated_at,
            updated_at,
            // A new row's; `save` leaves the stored version alone.
            version: 1,
        }
    }
}

fn corrupt(column: &str, value: &str) -> DomainError {
    DomainError::Internal(format!("stored program {column} '{value}' is unknown"))
}

fn positive_u32(value: Option<i64>, column: &str) -> Result<u32> {
    value
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| *v > 0)
        .ok_or_else(|| DomainError::Internal(format!("stored program {column} is missing")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rows_round_trip() {
        let mut p = Program::defaults(Uuid::now_v7());
        p.expiry = Expiry::EndOfPeriod { months: 12 };
        p.cycle = Cycle::RollingMonths {
            months: 6,
            starts_on: NaiveDate::from_ymd_opt(2026, 1, 1),
        };
        p.enrollment = Enrollment::AllCustomers;
        let row = p.to_row(Utc::now());
        assert_eq!(Program::from_row(&row).ok(), Some(p.clone()));
        p.redemption = Redemption::PointsPerThousandVnd(7);
        let row = p.to_row(Utc::now());
        assert_eq!(Program::from_row(&row).ok(), Some(p));
    }

    #[test]
    fn a_point_is_worth_the_seed_formula() {
        let mut p = Program::defaults(Uuid::now_v7());
        assert_eq!(p.point_value(), Some(Decimal::ONE));
        assert_eq!(p.redemption_value(), Decimal::ONE);
        assert_eq!(p.points_per_thousand_vnd(), 1000);
        p.spend_per_ranking_point = dec!(1000);
        assert_eq!(p.point_value(), Some(dec!(1000)));
        assert_eq!(p.points_per_thousand_vnd(), 1);
        p.reward_rate_percent = dec!(50);
        assert_eq!(p.point_value(), Some(dec!(2000)));
        // Half a point per 1,000 VND shows as 1; the value is exact.
        assert_eq!(p.points_per_thousand_vnd(), 1);
        assert_eq!(p.redemption_value(), dec!(2000));
        p.reward_rate_percent = Decimal::ZERO;
        assert_eq!(p.point_value(), None);
        p.redemption = Redemption::PointsPerThousandVnd(4);
        assert_eq!(p.redemption_value(), dec!(250));
    }
}
