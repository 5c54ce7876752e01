//! A broadcast campaign: an audience, a channel and its message, and where sending stands.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// ZNS or EMAIL.
    pub channel: String,
    /// DRAFT, SCHEDULED, SENDING, PAUSED, OUT_OF_BALANCE, QUOTA_EXHAUSTED, COMPLETED, CANCELLED.
    pub status: String,
    /// The member filter (JSON) that picks the recipients when sending starts.
    pub audience: String,
    /// The channel's message (JSON): a ZNS template and its parameters, or an e-mail.
    pub content: String,
    /// Offer a voucher of which each recipient gets.
    pub offer_id: Option<Uuid>,
    /// Days after a message during which the recipient's orders count for the campaign.
    pub attribution_days: i64,
    /// Also reaches customers who are not registered members when the program is for
    /// members only.
    pub include_non_members: bool,
    pub scheduled_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// When a campaign stopped by the provider's daily quota resumes.
    pub resume_at: Option<DateTimeUtc>,
    /// Why it stopped, in words.
    pub status_reason: Option<String>,
    /// Recipients frozen when sending started (skipped ones included).
    pub recipients: i64,
    /// Of them, members without an address on the channel.
    pub skipped: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// BROADCAST, or JOURNEY for the campaign an automated journey sends through.
    pub kind: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
