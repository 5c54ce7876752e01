//! A shop's own e-mail sender: From, Reply-To and optionally its own SMTP server (the
//! URL sealed, as it may carry a password).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_senders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    pub from_name: String,
    pub from_address: String,
    pub reply_to: Option<String>,
    /// The shop's SMTP server URL, sealed; `None`: the server's `LOYALTY_SMTP_URL`.
    pub smtp_url: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
