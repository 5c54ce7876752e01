//! Opening a shop: the tenant, its default program and tier ladder, and its first ADMIN
//! key, in one transaction. Here rather than in `shops`, which the program sits on.
use super::Program;
use crate::access::{Role, service::insert_key};
use crate::shops::{DEFAULT_TIME_ZONE, parse_time_zone};
use crate::{Ctx, DomainError, Result, ids::new_id, tiers};
use loyalty_entities::{program, shop};
use sea_orm::{ActiveValue::Set, EntityTrait, IntoActiveModel, TransactionTrait};
use uuid::Uuid;

/// A new shop and its first ADMIN key, shown once.
#[derive(Debug, Clone)]
pub struct ShopCreated {
    /// The shop's id.
    pub shop_id: Uuid,
    /// The ADMIN key in plaintext.
    pub admin_key: String,
}

/// Creates a shop with the default program, the four default tiers and an ADMIN key,
/// all in one transaction.
pub async fn create_shop(ctx: &Ctx, name: &str, time_zone: Option<&str>) -> Result<ShopCreated> {
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
    crate::audit::record(&txn, shop_id, &[shop_id, key.id]).await?;
    txn.commit().await?;
    tracing::info!(%shop_id, "shop created");
    Ok(ShopCreated {
        shop_id,
        admin_key: key.plaintext,
    })
}
