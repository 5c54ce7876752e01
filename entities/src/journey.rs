//! An automated journey: a trigger, and the campaign of kind `JOURNEY` whose deliveries
//! carry its messages, one per member and occurrence.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "journeys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The campaign (kind `JOURNEY`) holding the message, channel, offer and deliveries.
    pub campaign_id: Uuid,
    pub name: String,
    /// BIRTHDAY, POINTS_EXPIRING, TIER_UP, TIER_DOWN, NO_PURCHASE_FOR_DAYS, FIRST_ORDER
    /// or REGISTERED.
    pub trigger: String,
    /// The trigger's N: days before the birthday or the expiry, days without a purchase.
    pub days: Option<i64>,
    /// ACTIVE or PAUSED.
    pub status: String,
    /// Occurrences up to this instant (the shop's clock) have been queued.
    pub scanned_until: DateTimeUtc,
    /// Outbox events up to this id (UUID v7) have been read, less a safety overlap.
    pub event_mark: Uuid,
    pub created_at: DateTimeUtc,
    /// Created, paused or resumed (the scheduler leaves it): occurrences before it are
    /// never queued.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
