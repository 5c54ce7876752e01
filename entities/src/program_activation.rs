//! A shop's program activation: its mode, the cycles it ranks by, how far it got, and
//! when it finished. One row per shop, kept after activation (refunds read its cycles).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "program_activations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    /// `INITIAL_TIER` or `BACKFILL`.
    pub mode: String,
    /// When the activation started; members touched since are ranked again at the end.
    pub started_at: DateTimeUtc,
    /// First day of the cycle current at the start.
    pub current_cycle: Date,
    /// First day of the cycle before it; `None` in a lifetime program.
    pub previous_cycle: Option<Date>,
    /// The instant the current cycle begins.
    pub current_from: DateTimeUtc,
    /// The instant the previous cycle begins.
    pub previous_from: Option<DateTimeUtc>,
    /// The instant the cycle after the current one begins; `None` in a lifetime program.
    pub next_from: Option<DateTimeUtc>,
    /// The program row's version the members are ranked by: a change to the settings or
    /// the tiers raises it, and the activation then starts the members over.
    pub program_version: i64,
    /// The last member (by id) ranked; `None` before the first batch.
    pub cursor: Option<Uuid>,
    /// Members ranked so far.
    pub members_done: i64,
    /// When the program became ACTIVE; `None` while the activation runs.
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
