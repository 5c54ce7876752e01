//! One recipient of a campaign: the durable job that sends their message, and its record.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
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
    /// QUEUED, SENDING, SENT, FAILED, SKIPPED or CANCELLED.
    pub status: String,
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
    /// Orders the recipient places before this instant count for the campaign.
    pub attributed_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
