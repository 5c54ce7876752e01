//! The member columns that search filters and sorts on (name, registration), copied
//! from `members` by triggers (migrations `m20261204_000009` and `m20261204_000011`), so
//! that their indexes live off the row every order updates. Read-only for the application: write `members`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_search")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    /// The name folded for search (`members.search_name`).
    pub search_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub gender: String,
    pub province: Option<String>,
    pub district: Option<String>,
    pub birth_month: Option<i32>,
    /// When the customer registered (`members.registered_at`; migration
    /// `m20261204_000011`), for the registration sort.
    pub registered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
