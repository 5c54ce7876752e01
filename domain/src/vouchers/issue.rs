//! Issuing vouchers of an offer to members.
use super::code::generate;
use super::voucher::{Voucher, VoucherSource};
use crate::events::{EventType, emit, payload, subscriptions};
use crate::offers::Offer;
use crate::{Ctx, DomainError, Result};
use chrono::{DateTime, Duration, Utc};
use loyalty_entities::{member, offer, voucher};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Most members one call may issue to.
pub const MAX_BATCH: usize = 1000;

/// Issues one voucher of `offer` to each member, inside the caller's transaction.
pub async fn issue_in<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    offer: &Offer,
    members: &[Uuid],
    source: VoucherSource,
    entry_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<Voucher>> {
    if !offer.is_active() {
        return Err(DomainError::invalid("offerId", "the offer is archived"));
    }
    if offer.reach.delivery != crate::offers::Delivery::Voucher {
        // It already reaches every checkout (automatically or by its public code): a
        // voucher of it would apply it twice.
        return Err(DomainError::invalid(
            "offerId",
            "only a VOUCHER offer issues vouchers",
        ));
    }
    let expires_at = offer.valid_days.map(|d| now + Duration::days(d));
    let rows: Vec<voucher::Model> = members
        .iter()
        .map(|m| voucher::Model {
            shop_id,
            code: generate(),
            offer_id: offer.id,
            member_id: Some(*m),
            source: source.as_str().to_owned(),
            issued_at: now,
            expires_at,
            used_at: None,
            order_id: None,
            entry_id,
        })
        .collect();
    if rows.is_empty() {
        return Ok(vec![]);
    }
    // 59 random bits per code: a collision is practically impossible, and the primary key
    // would refuse it rather than hand out a duplicate.
    voucher::Entity::insert_many(rows.iter().cloned().map(IntoActiveModel::into_active_model))
        .exec_without_returning(conn)
        .await?;
    if subscriptions::wants(conn, shop_id, &[EventType::VoucherIssued]).await? {
        let names: HashMap<Uuid, String> = member::Entity::find()
            .select_only()
            .column(member::Column::Id)
            .column(member::Column::ExternalId)
            .filter(member::Column::ShopId.eq(shop_id))
            .filter(member::Column::Id.is_in(members.to_vec()))
            .into_tuple::<(Uuid, String)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let events = rows
            .iter()
            .map(|v| {
                let name = v.member_id.and_then(|m| names.get(&m)).map(String::as_str);
                payload::voucher(EventType::VoucherIssued, v, name)
            })
            .collect();
        emit(conn, shop_id, events, now).await?;
    }
    Ok(rows.into_iter().map(Voucher::from_row).collect())
}

/// Issues one voucher of the offer to each member of the shop, in one transaction;
/// every id must be a member of the shop.
pub async fn issue(
    ctx: &Ctx,
    shop_id: Uuid,
    offer_id: Uuid,
    members: &[Uuid],
) -> Result<Vec<Voucher>> {
    if members.is_empty() || members.len() > MAX_BATCH {
        return Err(DomainError::invalid(
            "memberIds",
            format!("give 1 to {MAX_BATCH} members"),
        ));
    }
    let txn = ctx.db.begin().await?;
    let row = offer::Entity::find_by_id((shop_id, offer_id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("offer not found".into()))?;
    let offer = Offer::from_row(row)?;
    let mut unique = members.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let found = member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::Id.is_in(unique.clone()))
        .count(&txn)
        .await?;
    if found != unique.len() as u64 {
        return Err(DomainError::NotFound(format!(
            "{} of the member ids are not members of this shop",
            unique.len() as u64 - found
        )));
    }
    let vouchers = issue_in(
        &txn,
        shop_id,
        &offer,
        members,
        VoucherSource::Manual,
        None,
        ctx.clock.now(),
    )
    .await?;
    crate::audit::record(&txn, shop_id, &[]).await?;
    txn.commit().await?;
    Ok(vouchers)
}
