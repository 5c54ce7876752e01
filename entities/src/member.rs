//! A customer of a shop; a member once `registered_at` is set.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub external_id: String,
    pub name: Option<String>,
    /// The name folded to lower-case ASCII ("Nguyễn Văn" -> "nguyen van") for keyword search.
    pub search_name: String,
    /// Normalized: Vietnamese numbers in national form (0xxxxxxxxx), others in E.164.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub birthday: Option<Date>,
    pub gender: String,
    pub province: Option<String>,
    pub district: Option<String>,
    pub registered_at: Option<DateTimeUtc>,
    pub tier_id: Option<Uuid>,
    /// Paid spend in whole VND counted toward the tier in the current cycle.
    pub ranking_spend: i64,
    pub total_orders: i64,
    pub total_spent: i64,
    pub last_purchase_at: Option<DateTimeUtc>,
    /// First day of the accumulation cycle `ranking_spend` counts.
    pub cycle_start: Option<Date>,
    /// Ranking spend of the cycle before `cycle_start`: a tier earned there is kept
    /// through the following cycle.
    pub prev_cycle_spend: i64,
    /// Month of the birthday (1-12), for the birthday filter.
    pub birth_month: Option<i32>,
    /// Available points as of `points_as_of`: a cache of the ledger for filters and sorts.
    pub points_available: i64,
    /// Pending points as of `points_as_of`.
    pub points_pending: i64,
    /// When the cached balances were computed.
    pub points_as_of: Option<DateTimeUtc>,
    /// Until when the cached balances stay right without a recount: no live lot of the
    /// member matures or expires before it. `None`: unknown (recount).
    pub points_stable_until: Option<DateTimeUtc>,
    /// Where the customer came from: `IMPORT` (the opening-data file) or the sales
    /// channel that first sent it (`WEB`, `POS`, ...); `None` is unknown.
    pub source: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
