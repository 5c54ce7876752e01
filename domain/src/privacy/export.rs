//! Everything the shop holds about one customer, as one JSON document: the profile,
//! orders, ledger, vouchers, campaign messages and messaging consents.
use crate::{Ctx, DomainError, Result};
use loyalty_entities::{
    campaign_delivery, ledger_entry, member, messaging_opt_out, order, voucher,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

fn to_json<T: Serialize>(what: &str, rows: &T) -> Result<Value> {
    serde_json::to_value(rows).map_err(|e| DomainError::Internal(format!("export {what}: {e}")))
}

/// The document for `member_id`; `NotFound` for a member the shop does not have. The
/// rows are read as stored, oldest first, each list in one statement.
pub async fn export(ctx: &Ctx, shop_id: Uuid, member_id: Uuid) -> Result<Value> {
    read(&ctx.db, shop_id, member_id).await
}

async fn read<C: ConnectionTrait>(conn: &C, shop_id: Uuid, member_id: Uuid) -> Result<Value> {
    let profile = member::Entity::find_by_id((shop_id, member_id))
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::NotFound("member not found".into()))?;
    let orders = order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::MemberId.eq(member_id))
        .order_by_asc(order::Column::Id)
        .all(conn)
        .await?;
    let ledger = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ShopId.eq(shop_id))
        .filter(ledger_entry::Column::MemberId.eq(member_id))
        .order_by_asc(ledger_entry::Column::Id)
        .all(conn)
        .await?;
    let vouchers = voucher::Entity::find()
        .filter(voucher::Column::ShopId.eq(shop_id))
        .filter(voucher::Column::MemberId.eq(member_id))
        .order_by_asc(voucher::Column::IssuedAt)
        .all(conn)
        .await?;
    let deliveries = campaign_delivery::Entity::find()
        .filter(campaign_delivery::Column::ShopId.eq(shop_id))
        .filter(campaign_delivery::Column::MemberId.eq(member_id))
        .order_by_asc(campaign_delivery::Column::Id)
        .all(conn)
        .await?;
    let consents = messaging_opt_out::Entity::find()
        .filter(messaging_opt_out::Column::ShopId.eq(shop_id))
        .filter(messaging_opt_out::Column::MemberId.eq(member_id))
        .all(conn)
        .await?;
    Ok(json!({
        "profile": to_json("profile", &profile)?,
        "orders": to_json("orders", &orders)?,
        "ledger": to_json("ledger", &ledger)?,
        "vouchers": to_json("vouchers", &vouchers)?,
        "deliveries": to_json("deliveries", &deliveries)?,
        "messagingOptOuts": to_json("consents", &consents)?,
    }))
}
