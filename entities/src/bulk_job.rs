//! A bulk action over the members a filter matched: its parameters and progress.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bulk_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// ADJUST_POINTS, REGISTER_MEMBERS or ISSUE_VOUCHERS.
    pub kind: String,
    /// The action and the filter (JSON), as asked for.
    pub params: String,
    /// Unique per shop and kind; a new job's id when the caller gave none.
    pub idempotency_key: String,
    /// SHA-256 of the request, to tell a replay from a reuse of the key.
    pub request_hash: String,
    /// QUEUED, RUNNING, DONE or FAILED.
    pub status: String,
    /// Members frozen when the job was created.
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    /// A runner owns the job's current batch until then.
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// The key that started the job: its runner's ledger entries carry it.
    pub actor_key_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
