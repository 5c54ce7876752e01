//! An event of the transactional outbox: something that happened in a shop, written in
//! the transaction of the change it tells, with its payload as sent to webhooks.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    /// UUID v7: events sort by when they happened; also the `webhook-id` receivers see.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `order.recorded`, `points.earned`, ….
    pub event_type: String,
    /// The member it is about, when there is one.
    pub member_id: Option<Uuid>,
    /// The JSON body sent to webhooks (`{"type", "timestamp", "version", "data"}`).
    pub payload: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
