//! The member columns that search filters on, copied from `members` by triggers
//! (migration `m20261204_000009_member_search`), so that their indexes live off the row
//! every order updates. Read-only for the application: write `members`.
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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
