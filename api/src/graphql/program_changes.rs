//! The record of operator changes to a running program (`programChanges`): who changed
//! which setting from what to what, when, and how far re-ranking members has got.
use crate::graphql::scalars::Int32;
use async_graphql::{Enum, ID, Object};
use chrono::{DateTime, Utc};
use loyalty_domain::program::conversion_change::{self, ChangeStatus};

/// Whether a change's members are still being re-ranked.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ProgramChangeStatus {
    /// Re-ranking members; orders already use the new value.
    Running,
    /// Every member re-ranked.
    Done,
}

/// A change an operator made to the program.
pub struct ProgramChange(pub conversion_change::ProgramChange);

#[Object]
impl ProgramChange {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The setting, as `configureProgram` names it (`spendPerRankingPoint`).
    async fn setting(&self) -> &str {
        &self.0.setting
    }
    /// Its value before the change.
    async fn old_value(&self) -> &str {
        &self.0.old_value
    }
    /// Its value after.
    async fn new_value(&self) -> &str {
        &self.0.new_value
    }
    /// Who made it: `operator`, or the name the operator gave.
    async fn changed_by(&self) -> &str {
        &self.0.changed_by
    }
    async fn status(&self) -> ProgramChangeStatus {
        match self.0.status {
            ChangeStatus::Running => ProgramChangeStatus::Running,
            ChangeStatus::Done => ProgramChangeStatus::Done,
        }
    }
    /// Members of the shop when the change was made.
    async fn members_total(&self) -> Int32 {
        self.0.members_total.into()
    }
    /// Members re-ranked so far.
    async fn members_done(&self) -> Int32 {
        self.0.members_done.into()
    }
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When re-ranking last progressed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When the last member was re-ranked.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
}
