//! An offer's uploaded image, resized to 500 x 500 and encoded once at upload.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_images")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub offer_id: Uuid,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    pub content: Vec<u8>,
    /// SHA-256 of `content` in hex: the ETag, and the version in the image's URL.
    pub digest: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
