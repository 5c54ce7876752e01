//! What the opening-data file said a customer had spent before the shop came here: one
//! row per customer, replaced (never added to) when the file is imported again. Orders
//! recorded here add to the member's ranking spend on top of it, never to this row.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "opening_spend")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    /// The file's `total_spent`, whole VND; `None`: the file never gave it.
    pub total_spent: Option<i64>,
    /// The file's `cycle_spent`: the spend inside the accumulation cycle current when
    /// the file was imported.
    pub cycle_spent: Option<i64>,
    /// The ranking spend this row gives: `total_spent` in a lifetime cycle, else
    /// `cycle_spent` (0 without it).
    pub ranking_amount: i64,
    /// The cycle whose counter on the member holds `ranking_amount`, as an order's
    /// `ranking_cycle`; `None` while it ranks nothing (a draft program, or one activated
    /// with INITIAL_TIER before the import).
    pub ranking_cycle: Option<Date>,
    /// When the amounts were last set: the instant they are as of, which decides the
    /// cycle they belong to.
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
