//! One event to one endpoint: the delivery worker's job and its record.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    /// UUID v7 made with its event, so ids follow the events' order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    /// Deliveries with one key go out one after another, in id order: the member's id,
    /// or the event's own id for events about no member.
    pub order_key: String,
    pub status: WebhookDeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTimeUtc,
    /// Failed attempts are retried until then; after it the delivery fails for good.
    pub retry_until: DateTimeUtc,
    /// The claim of the worker sending it.
    pub lease: Option<Uuid>,
    /// A SENDING delivery is its worker's until then; afterwards another may take it.
    pub lease_until: Option<DateTimeUtc>,
    /// The HTTP status of the last attempt, if the receiver answered.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Where a delivery stands, stored as its upper-case name.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum WebhookDeliveryStatus {
    /// Waiting for its first attempt or a retry.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Leased to a worker that is posting it.
    #[sea_orm(string_value = "SENDING")]
    Sending,
    /// The receiver answered 2xx.
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// Retried until `retry_until` without success.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
