//! A shop's own e-mail sender (`email_senders`), one row per shop: the From and Reply-To
//! its campaign e-mails carry and, optionally, its own SMTP server's URL sealed under
//! `LOYALTY_SECRET_KEY` (it may hold a password); without one the server's
//! `LOYALTY_SMTP_URL` relays the shop's mail.
use crate::support::{shop_table, text, text_null, ts};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                shop_table("email_senders", None)
                    .col(text("from_name"))
                    .col(text("from_address"))
                    .col(text_null("reply_to"))
                    .col(text_null("smtp_url"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("email_senders").to_owned())
            .await
    }
}
