//! Shops: the tenants. Creating one sets up its program, default tiers and first ADMIN key.
use crate::access::{Role, service::insert_key};
use crate::program::Program;
use crate::{Ctx, DomainError, Result, ids::new_id, tiers};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use loyalty_entities::{program, shop};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel, TransactionTrait};
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

/// A new shop and its first ADMIN key, shown once.
#[derive(Debug, Clone)]
pub struct ShopCreated {
    /// The shop's id.
    pub shop_id: Uuid,
    /// The ADMIN key in plaintext.
    pub admin_key: String,
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

/// Creates a shop with the default program, the four default tiers and an ADMIN key,
/// all in one transaction.
pub async fn create(ctx: &Ctx, name: &str, time_zone: Option<&str>) -> Result<ShopCreated> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(DomainError::invalid(
            "name",
            "a shop name has 1 to 200 characters",
        ));
    }
    let tz = parse_time_zone(time_zone.unwrap_or(DEFAULT_TIME_ZONE))?;
    let shop_id = new_id();
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    shop::Entity::insert(shop::ActiveModel {
        shop_id: Set(shop_id),
        name: Set(name.to_owned()),
        time_zone: Set(tz.name().to_owned()),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    program::Entity::insert(Program::defaults(shop_id).to_row(now).into_active_model())
        .exec_without_returning(&txn)
        .await?;
    tiers::insert_defaults(&txn, shop_id, now).await?;
    let key = insert_key(
        &txn,
        ctx,
        shop_id,
        Role::Admin,
        Some("first admin key".into()),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(%shop_id, "shop created");
    Ok(ShopCreated {
        shop_id,
        admin_key: key.plaintext,
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
