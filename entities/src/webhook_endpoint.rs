//! A shop's webhook endpoint: where events of the chosen types are posted, signed with
//! the endpoint's secret (sealed; see `loyalty_domain::secrets`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// The subscribed event types, as a JSON array of strings.
    pub event_types: String,
    /// The `whsec_…` signing secret, sealed.
    pub secret: String,
    pub status: EndpointStatus,
    pub disabled_reason: Option<String>,
    /// Since when every attempt failed; none while deliveries succeed.
    pub failing_since: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Whether an endpoint receives events, stored as its upper-case name.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum EndpointStatus {
    /// Receives events.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Receives nothing: disabled by the merchant, or after failing for too long.
    #[sea_orm(string_value = "DISABLED")]
    Disabled,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
