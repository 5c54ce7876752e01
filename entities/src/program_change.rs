//! A change an operator made to a running program, and how far re-ranking its members
//! has got.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "program_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The program setting, as `configureProgram` names it (`spendPerRankingPoint`).
    pub setting: String,
    pub old_value: String,
    pub new_value: String,
    /// Who made it (`operator`, or the name the operator gave).
    pub changed_by: String,
    /// `RUNNING` until every member is re-ranked, then `DONE`.
    pub status: String,
    /// Members of the shop when the change started.
    pub members_total: i64,
    /// Members re-ranked so far.
    pub members_done: i64,
    /// The last member id re-ranked (members go by id); `None` before the first batch.
    pub cursor: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
