//! Shops: the tenants, and the days they live by (their time zone's). The lowest layer
//! of the program: opening a shop, which also sets up its program, default tiers and
//! first ADMIN key, is `program::create_shop`.
use crate::{DomainError, Result};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use loyalty_entities::shop;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

/// The time zone a shop gets when none is given.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Ho_Chi_Minh";

/// A shop as the services need it.
#[derive(Debug, Clone)]
pub struct Shop {
    /// Its id.
    pub id: Uuid,
    /// Its display name.
    pub name: String,
    /// Where its days begin and end.
    pub time_zone: Tz,
}

impl Shop {
    /// The calendar day `at` falls on in the shop's time zone.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.time_zone).date_naive()
    }
}

/// Parses an IANA time zone name ("Asia/Ho_Chi_Minh").
pub fn parse_time_zone(raw: &str) -> Result<Tz> {
    raw.trim().parse::<Tz>().map_err(|_| {
        DomainError::invalid(
            "timeZone",
            format!("'{raw}' is not an IANA time zone such as Asia/Ho_Chi_Minh"),
        )
    })
}

/// Reads a shop.
pub async fn load<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<Shop> {
    let row = shop::Entity::find_by_id(shop_id)
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("shop not found".into()))?;
    Ok(Shop {
        id: row.shop_id,
        time_zone: row
            .time_zone
            .parse()
            .map_err(|_| DomainError::Internal(format!("stored time zone '{}'", row.time_zone)))?,
        name: row.name,
    })
}

/// The UTC instant the shop's day `day` begins.
pub fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// The first instant of the shop's next calendar day.
pub fn next_local_midnight(shop: &Shop, now: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = shop.local_date(now) + Duration::days(1);
    shop.time_zone
        .from_local_datetime(&tomorrow.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(now + Duration::days(1), |t| t.with_timezone(&Utc))
}
