//! A shop's own Zalo Official Account: the app, the OA's tokens (sealed: never plain in
//! the database), and the lease that keeps its refreshes one at a time.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "zalo_oa_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    /// The Zalo app's id (not a secret).
    pub app_id: String,
    /// The OA's id, when the merchant gave it.
    pub oa_id: Option<String>,
    /// The app's secret key, sealed.
    pub secret_key: String,
    /// The current access token, sealed.
    pub access_token: String,
    /// The current (single-use) refresh token, sealed.
    pub refresh_token: String,
    /// The OA secret key of the app's webhook settings, sealed: it signs Zalo's events
    /// (delivery receipts); none until the merchant gives it.
    pub webhook_secret_key: Option<String>,
    /// When the access token stops working.
    pub token_expires_at: DateTimeUtc,
    /// Grows by one with every new token pair (connect or refresh): a refresh is asked
    /// for the pair a sender saw, so one already replaced is not refreshed again.
    pub token_version: i64,
    /// CONNECTED or REFRESH_FAILED.
    pub status: String,
    /// Why the last refresh failed, in Zalo's words.
    pub status_reason: Option<String>,
    /// The refresh running now, if any, and until when it is that refresher's.
    pub refresh_lease: Option<Uuid>,
    pub refresh_lease_until: Option<DateTimeUtc>,
    /// Refreshes done since connecting.
    pub refresh_count: i64,
    pub refreshed_at: Option<DateTimeUtc>,
    pub connected_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
