//! The loyalty program: settings, activation.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::cost;
use crate::graphql::enums::{ActivationMode, CycleKind, Enrollment, ExpiryKind, ProgramStatus};
use crate::graphql::program_changes::ProgramChange;
use crate::graphql::scalars::{Date, Dec, Int32};
use crate::graphql::tiers::{Tier, tier_list};
use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::{members, program};

/// Settings to change; omitted fields keep their value.
#[derive(InputObject)]
pub struct ProgramInput {
    /// VND of paid spend per ranking point; default 1; fixed once active.
    spend_per_ranking_point: Option<Dec>,
    /// Reward rate in percent; default 100.
    reward_rate_percent: Option<Dec>,
    /// Sets the redemption rate: this many points pay 1,000 VND at checkout, whatever
    /// the earning settings from then on. Until it is set, the redemption follows
    /// `Program.pointValue` (1,000 points per 1,000 VND with the defaults).
    points_per_thousand_vnd: Option<i64>,
    /// `true` gives a redemption rate set with `pointsPerThousandVnd` back to
    /// `Program.pointValue`; not together with `pointsPerThousandVnd`.
    redemption_follows_point_value: Option<bool>,
    /// Hours before earned points become available; default 0.
    pending_hours: Option<i64>,
    /// Default NEVER.
    expiry: Option<ExpiryInput>,
    /// Default LIFETIME.
    cycle: Option<CycleInput>,
    /// Who gets the tier discount, earns and redeems; default MEMBERS_ONLY (programs
    /// made before the setting existed have ALL_CUSTOMERS).
    enrollment: Option<Enrollment>,
}

/// Point expiry.
#[derive(InputObject)]
pub struct ExpiryInput {
    kind: ExpiryKind,
    /// For DAYS_AFTER_EARN only (refused for the other kinds).
    days: Option<i64>,
    /// For END_OF_PERIOD only (refused for the other kinds).
    period_months: Option<i64>,
}

/// Accumulation cycle.
#[derive(InputObject)]
pub struct CycleInput {
    kind: CycleKind,
    /// For ROLLING_MONTHS only (refused for the other kinds).
    months: Option<i64>,
    /// For ROLLING_MONTHS only (refused for the other kinds); default the activation day.
    starts_on: Option<Date>,
}

impl From<ProgramInput> for program::ProgramPatch {
    fn from(i: ProgramInput) -> Self {
        Self {
            spend_per_ranking_point: i.spend_per_ranking_point.map(|d| d.0),
            reward_rate_percent: i.reward_rate_percent.map(|d| d.0),
            points_per_thousand_vnd: i.points_per_thousand_vnd,
            redemption_follows_point_value: i.redemption_follows_point_value,
            pending_hours: i.pending_hours,
            expiry: i.expiry.map(|e| (e.kind.into(), e.days, e.period_months)),
            cycle: i
                .cycle
                .map(|c| (c.kind.into(), c.months, c.starts_on.map(|d| d.0))),
            enrollment: i.enrollment.map(Into::into),
        }
    }
}

/// Point expiry as configured.
#[derive(SimpleObject)]
pub struct Expiry {
    kind: ExpiryKind,
    days: Option<i64>,
    period_months: Option<i64>,
}

/// Accumulation cycle as configured.
#[derive(SimpleObject)]
pub struct Cycle {
    kind: CycleKind,
    months: Option<i64>,
    starts_on: Option<Date>,
}

/// The shop's loyalty program.
pub struct Program(program::Program);

#[Object]
impl Program {
    async fn status(&self) -> ProgramStatus {
        self.0.status.into()
    }
    async fn spend_per_ranking_point(&self) -> Dec {
        self.0.spend_per_ranking_point.into()
    }
    async fn reward_rate_percent(&self) -> Dec {
        self.0.reward_rate_percent.into()
    }
    /// VND a reward point is worth under the earning settings (seed 001 step 3):
    /// (1 / rewardRatePercent %) x spendPerRankingPoint; 1 with the defaults, 1000 at
    /// 1,000 VND per ranking point and 100 %. Exact when it terminates, otherwise to 28
    /// significant digits (666.66666666666666666666666667 at 1,000 VND and 150 %); null
    /// at a 0 % reward rate.
    async fn point_value(&self) -> Option<Dec> {
        self.0.point_value().map(Into::into)
    }
    /// Whether the redemption rate follows `pointValue` (until the merchant sets
    /// `pointsPerThousandVnd`).
    async fn redemption_follows_point_value(&self) -> bool {
        self.0.redemption == program::Redemption::FollowsPointValue
    }
    /// VND one point pays at checkout: `pointValue` while the redemption follows it,
    /// otherwise 1,000 / `pointsPerThousandVnd`. A redemption of N points pays N times
    /// this, computed exactly and rounded half-up to whole VND once.
    async fn redemption_value(&self) -> Dec {
        self.0.redemption_value().into()
    }
    /// Points that pay 1,000 VND at checkout: the merchant's number, or while the
    /// redemption follows `pointValue`, 1,000 / `pointValue` rounded half-up to a whole
    /// number of at least 1 (`redemptionValue` is exact).
    async fn points_per_thousand_vnd(&self) -> Int32 {
        self.0.points_per_thousand_vnd().into()
    }
    async fn pending_hours(&self) -> Int32 {
        self.0.pending_hours.into()
    }
    async fn expiry(&self) -> Expiry {
        match self.0.expiry {
            program::Expiry::Never => Expiry {
                kind: ExpiryKind::Never,
                days: None,
                period_months: None,
            },
            program::Expiry::DaysAfterEarn { days } => Expiry {
                kind: ExpiryKind::DaysAfterEarn,
                days: Some(days.into()),
                period_months: None,
            },
            program::Expiry::EndOfPeriod { months } => Expiry {
                kind: ExpiryKind::EndOfPeriod,
                days: None,
                period_months: Some(months.into()),
            },
        }
    }
    async fn cycle(&self) -> Cycle {
        match self.0.cycle {
            program::Cycle::Lifetime => Cycle {
                kind: CycleKind::Lifetime,
                months: None,
                starts_on: None,
            },
            program::Cycle::CalendarYear => Cycle {
                kind: CycleKind::CalendarYear,
                months: None,
                starts_on: None,
            },
            program::Cycle::RollingMonths { months, starts_on } => Cycle {
                kind: CycleKind::RollingMonths,
                months: Some(months.into()),
                starts_on: starts_on.map(Date),
            },
        }
    }
    /// Who gets the tier discount, earns and redeems.
    async fn enrollment(&self) -> Enrollment {
        self.0.enrollment.into()
    }
    async fn activation_mode(&self) -> Option<ActivationMode> {
        self.0.activation_mode.map(Into::into)
    }
    async fn activated_at(&self) -> Option<DateTime<Utc>> {
        self.0.activated_at
    }
    /// How far the activation got; null before the first `activateProgram`. It ranks
    /// members in batches: one cut short (the server stopped) leaves the program DRAFT
    /// with `finishedAt` null, and `activateProgram` again resumes it.
    async fn activation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ActivationProgress>> {
        let progress = members::activation::progress(&domain(ctx).db, self.0.shop_id)
            .await
            .gql()?;
        Ok(progress.map(|p| ActivationProgress {
            mode: p.mode.into(),
            members_done: Int32(p.members_done),
            started_at: p.started_at,
            finished_at: p.finished_at,
        }))
    }
    /// The tiers by rank.
    async fn tiers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Tier>> {
        tier_list(ctx, self.0.shop_id).await
    }
}

/// How far an activation got.
#[derive(SimpleObject)]
pub struct ActivationProgress {
    mode: ActivationMode,
    /// Members ranked so far (those touched while it ran are ranked again at the end).
    members_done: Int32,
    started_at: DateTime<Utc>,
    /// When the program became ACTIVE; null while the activation runs or was cut short.
    finished_at: Option<DateTime<Utc>>,
}

/// Members a tier would have.
#[derive(SimpleObject)]
pub struct TierPreview {
    tier: Tier,
    members: Int32,
}

/// Program queries.
#[derive(Default)]
pub struct ProgramQuery;

#[Object]
impl ProgramQuery {
    /// What activating in `mode` would give, before applying it: members per tier.
    /// Nothing is written.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn activation_preview(
        &self,
        ctx: &Context<'_>,
        mode: ActivationMode,
    ) -> async_graphql::Result<Vec<TierPreview>> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(
            members::activation::preview(domain(ctx), shop_id, mode.into())
                .await
                .gql()?
                .into_iter()
                .map(|(tier, members)| TierPreview {
                    tier: Tier { shop_id, tier },
                    members: members.into(),
                })
                .collect(),
        )
    }

    /// Changes an operator made to the running program (`loyalty program
    /// set-conversion`), newest first: who, what from what to what, when, and how far
    /// re-ranking members has got. At most `first` (default 20, at most 100).
    ///
    /// Requires: ADMIN.
    #[graphql(
        guard = "RoleGuard(Role::Admin)",
        complexity = "cost::paged(first, child_complexity)"
    )]
    async fn program_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "how many, at most 100; default 20")] first: Option<i64>,
    ) -> async_graphql::Result<Vec<ProgramChange>> {
        let shop_id = principal(ctx)?.shop_id;
        let limit = loyalty_domain::paging::page_size(first).gql()?;
        Ok(
            program::conversion_change::list(&domain(ctx).db, shop_id, limit)
                .await
                .gql()?
                .into_iter()
                .map(ProgramChange)
                .collect(),
        )
    }

    /// The caller's program.
    ///
    /// Requires: READ, CHANNEL or ADMIN (any shop key).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn program(&self, ctx: &Context<'_>) -> async_graphql::Result<Program> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(Program(
            program::load(&domain(ctx).db, shop_id).await.gql()?,
        ))
    }
}

/// Program mutations (ADMIN).
#[derive(Default)]
pub struct ProgramMutation;

#[Object]
impl ProgramMutation {
    /// Changes the program's settings.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn configure_program(
        &self,
        ctx: &Context<'_>,
        input: ProgramInput,
    ) -> async_graphql::Result<Program> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(Program(
            program::configure(domain(ctx), shop_id, input.into())
                .await
                .gql()?,
        ))
    }

    /// Activates the program: from now on orders earn points and move tiers. BACKFILL
    /// ranks members in batches, each committed on its own (see `Program.activation`);
    /// the program turns ACTIVE at the end. After an interruption, calling it again
    /// resumes where it stopped.
    ///
    /// Requires: ADMIN.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn activate_program(
        &self,
        ctx: &Context<'_>,
        mode: ActivationMode,
    ) -> async_graphql::Result<Program> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(Program(
            members::activation::activate(domain(ctx), shop_id, mode.into())
                .await
                .gql()?,
        ))
    }
}
