//! A bulk job as the API shows it, and what it does.
use crate::members::MemberFilter;
use crate::{DomainError, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::bulk_job;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a job does to each member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkAction {
    /// Adds (positive) or removes (negative) points, with a reason in the ledger.
    AdjustPoints {
        /// Signed points.
        points: i64,
        /// Shown in the ledger.
        reason: String,
    },
    /// Registers the member (nothing changes for one already registered).
    RegisterMembers,
    /// Issues one voucher of the offer.
    IssueVouchers {
        /// The offer.
        offer_id: Uuid,
    },
}

impl BulkAction {
    /// The action's kind.
    pub fn kind(&self) -> BulkKind {
        match self {
            BulkAction::AdjustPoints { .. } => BulkKind::AdjustPoints,
            BulkAction::RegisterMembers => BulkKind::RegisterMembers,
            BulkAction::IssueVouchers { .. } => BulkKind::IssueVouchers,
        }
    }
}

/// What a job was asked to do, as stored in `bulk_jobs.params` (and hashed to tell a
/// replay from a reuse of its idempotency key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkParams {
    /// The action.
    pub action: BulkAction,
    /// The members it was asked for (already frozen into items).
    pub filter: MemberFilter,
}

/// The kind of a job; idempotency keys are unique per shop and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    /// `adjustPointsForMembers`.
    AdjustPoints,
    /// `registerMembersMatching`.
    RegisterMembers,
    /// `issueVouchersToMembers`.
    IssueVouchers,
}

impl BulkKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            BulkKind::AdjustPoints => "ADJUST_POINTS",
            BulkKind::RegisterMembers => "REGISTER_MEMBERS",
            BulkKind::IssueVouchers => "ISSUE_VOUCHERS",
        }
    }

    /// From storage.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "ADJUST_POINTS" => Ok(BulkKind::AdjustPoints),
            "REGISTER_MEMBERS" => Ok(BulkKind::RegisterMembers),
            "ISSUE_VOUCHERS" => Ok(BulkKind::IssueVouchers),
            other => Err(DomainError::Internal(format!("stored bulk kind {other:?}"))),
        }
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkStatus {
    /// Waiting for its first batch.
    Queued,
    /// Some members applied, some pending.
    Running,
    /// Every member applied or failed.
    Done,
    /// The job itself could not run (its stored parameters are unreadable).
    Failed,
}

impl BulkStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            BulkStatus::Queued => "QUEUED",
            BulkStatus::Running => "RUNNING",
            BulkStatus::Done => "DONE",
            BulkStatus::Failed => "FAILED",
        }
    }

    /// From storage.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "QUEUED" => Ok(BulkStatus::Queued),
            "RUNNING" => Ok(BulkStatus::Running),
            "DONE" => Ok(BulkStatus::Done),
            "FAILED" => Ok(BulkStatus::Failed),
            other => Err(DomainError::Internal(format!(
                "stored bulk status {other:?}"
            ))),
        }
    }
}

/// What became of one member of a job, as stored in `bulk_job_items.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    /// Not applied yet.
    Pending,
    /// Applied.
    Done,
    /// Refused for this member; the reason is stored.
    Failed,
}

impl ItemState {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Pending => "PENDING",
            ItemState::Done => "DONE",
            ItemState::Failed => "FAILED",
        }
    }
}

/// A job and its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkJob {
    /// The job.
    pub id: Uuid,
    /// What it does.
    pub kind: BulkKind,
    /// Where it stands.
    pub status: BulkStatus,
    /// Members frozen when it was asked for.
    pub total: i64,
    /// Members applied.
    pub done: i64,
    /// Members the action was refused for.
    pub failed: i64,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When its last member was applied.
    pub finished_at: Option<DateTime<Utc>>,
}

impl BulkJob {
    /// From its row.
    pub fn from_row(row: &bulk_job::Model) -> Result<Self> {
        Ok(Self {
            id: row.id,
            kind: BulkKind::parse(&row.kind)?,
            status: BulkStatus::parse(&row.status)?,
            total: row.total,
            done: row.done,
            failed: row.failed,
            created_at: row.created_at,
            finished_at: row.finished_at,
        })
    }
}
