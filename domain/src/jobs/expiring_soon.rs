//! `points.expiring_soon`: each live lot is announced once, when it first comes within
//! [`NOTICE_DAYS`] of its expiry (or is earned already that close), to the shop's
//! endpoints that subscribe to it. The lots are found as `POINTS_EXPIRING` journeys find
//! theirs ([`crate::journeys::occurrences::expiring`]); the shop's watermark
//! (`expiry_notices`) moves in the transaction that writes the events, by a guarded
//! update, so two replicas or a rerun announce nothing twice. A shop without a
//! subscriber is not scanned, and its watermark waits: a later subscriber hears of the
//! lots within the window that were not announced yet.
use crate::events::{EventType, emit, payload, subscriptions};
use crate::journeys::occurrences::Window;
use crate::journeys::occurrences::expiring::{due_lots, last_day};
use crate::{Ctx, Result};
use chrono::{DateTime, Utc};
use loyalty_entities::{expiry_notice, member};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, TransactionTrait};
use std::collections::HashMap;
use uuid::Uuid;

/// How many days before its expiry a lot is announced.
pub const NOTICE_DAYS: i64 = 7;

/// Announces the shop's lots that came within the notice window since the last run;
/// returns how many.
pub async fn announce(ctx: &Ctx, shop_id: Uuid) -> Result<u64> {
    if !subscriptions::wants(&ctx.db, shop_id, &[EventType::PointsExpiringSoon]).await? {
        return Ok(0);
    }
    let now = ctx.clock.now();
    let shop = crate::shops::load(&ctx.db, shop_id).await?;
    let txn = ctx.db.begin().await?;
    let mark = expiry_notice::Entity::find_by_id(shop_id).one(&txn).await?;
    // Never scanned: every live lot within the window is news.
    let from = mark
        .as_ref()
        .map_or(DateTime::<Utc>::UNIX_EPOCH, |m| m.scanned_until);
    let lots = due_lots(
        &txn,
        &shop,
        NOTICE_DAYS,
        Window {
            from,
            to: now.max(from),
        },
    )
    .await?;
    let ids: Vec<Uuid> = lots.iter().map(|l| l.member_id).collect();
    let members: HashMap<Uuid, member::Model> = member::Entity::find()
        .filter(member::Column::ShopId.eq(shop_id))
        .filter(member::Column::Id.is_in(ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let events: Vec<_> = lots
        .iter()
        .filter_map(|lot| {
            let at = lot.expires_at?;
            let m = members.get(&lot.member_id)?;
            Some(payload::points_expiring_soon(
                m,
                lot.remaining,
                at,
                last_day(&shop, at),
            ))
        })
        .collect();
    let announced = events.len() as u64;
    let moved = match mark {
        Some(m) => {
            expiry_notice::Entity::update_many()
                .col_expr(expiry_notice::Column::ScannedUntil, Expr::value(now))
                .filter(expiry_notice::Column::ShopId.eq(shop_id))
                .filter(expiry_notice::Column::ScannedUntil.eq(m.scanned_until))
                .exec(&txn)
                .await?
                .rows_affected
        }
        None => {
            expiry_notice::Entity::insert(
                expiry_notice::Model {
                    shop_id,
                    scanned_until: now,
                }
                .into_active_model(),
            )
            .on_conflict(
                OnConflict::column(expiry_notice::Column::ShopId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?
        }
    };
    if moved != 1 {
        // Another run got there first and announced them.
        txn.rollback().await?;
        return Ok(0);
    }
    emit(&txn, shop_id, events, now).await?;
    txn.commit().await?;
    Ok(announced)
}
