//! One change made with an ADMIN or CHANNEL key or by the operator. Append-only: the
//! database refuses every UPDATE and DELETE on the table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// KEY or OPERATOR.
    pub actor: String,
    /// The key, for a KEY actor.
    pub actor_key_id: Option<Uuid>,
    /// The mutation (`adjustPoints`) or operator command (`cli:keys create`).
    pub action: String,
    /// The ids the change touched, a JSON array of strings.
    pub targets: String,
    /// The input without secrets or personal data, a JSON object.
    pub summary: String,
    /// The HTTP request's `x-request-id`.
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
