//! One recipient of a campaign: the durable job that sends their message, and its record.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "campaign_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    /// Also the provider's tracking id, so a resend after a crash is recognisable.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub member_id: Uuid,
    /// Phone (84…) or e-mail the message goes to; none when skipped.
    pub address: Option<String>,
    pub status: DeliveryStatus,
    /// NO_PHONE or NO_EMAIL, for skipped recipients.
    pub skip_reason: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: DateTimeUtc,
    /// A worker owns a SENDING delivery until then; afterwards another may take it over.
    pub lease_until: Option<DateTimeUtc>,
    /// VND held from the messaging balance for this message while it is being sent.
    pub held: i64,
    /// VND charged once sent.
    pub cost: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The provider's message id.
    pub provider_id: Option<String>,
    /// The voucher issued to the recipient with this message.
    pub voucher_code: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    /// When the provider's receipt said the message reached the recipient's phone.
    pub delivered_at: Option<DateTimeUtc>,
    /// Orders the recipient places before this instant count for the campaign.
    pub attributed_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// A journey's occurrence (`birthday:2027`, `lot:<id>`): at most one delivery per
    /// campaign, member and occurrence. None for a broadcast.
    pub occurrence: Option<String>,
    /// Template fields of the occurrence (JSON: the expiring points and their day).
    pub fields: Option<String>,
}

/// What became of one recipient, stored as its upper-case name in a text column. A
/// stored value outside this list fails the row's read (`DbErr::Type`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or a retry.
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    /// Leased to a worker that is sending it.
    #[sea_orm(string_value = "SENDING")]
    Sending,
    /// Accepted by the provider.
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// Sent, and the provider's receipt says it reached the recipient's phone.
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// Failed for good.
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// The member has no address on the campaign's channel.
    #[sea_orm(string_value = "SKIPPED")]
    Skipped,
    /// The campaign was cancelled before it went out.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
