//! A shop's member widget: the browser origins allowed to call the API with a member
//! token, and the widget's theme.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "widget_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    /// A JSON array of origins (`scheme://host[:port]`).
    pub allowed_origins: String,
    /// A JSON object of the theme's named fields.
    pub theme: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
