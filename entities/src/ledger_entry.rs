//! One movement of points. Append-only: balances are sums of entries.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub member_id: Uuid,
    pub kind: String,
    /// Signed.
    pub points: i64,
    /// Points owed added (+) or repaid (-) by this entry.
    pub debt_change: i64,
    pub created_at: DateTimeUtc,
    pub available_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub reason: Option<String>,
    pub order_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
    /// The key that made a manual adjustment (by hand or in bulk); none otherwise.
    pub actor_key_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
