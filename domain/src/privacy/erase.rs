//! Erasing a customer's personal data, in one transaction.
//!
//! What is erased (overwritten, not hidden): the profile's name, phone, e-mail,
//! birthday, gender and region (the search row follows by its trigger); the address of
//! every campaign message sent to them and the provider's words about it; their
//! sign-in sessions (revoked and their tokens forgotten on this replica); their
//! external id, replaced by a pseudonym, in the profile and in the events' payloads.
//! A channel pushing the old external id afterwards creates a new customer.
//!
//! What stays: the member's id and everything keyed by it that is the shop's record
//! (orders, ledger, lots, vouchers, delivery counts and costs, opt-outs), so reports
//! and balances are unchanged. The audit trail never held personal data.
use crate::ledger::lots::lock_member;
use crate::members::Gender;
use crate::{Ctx, DomainError, Result};
use loyalty_entities::{campaign_delivery, event, member, member_session};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};
use uuid::Uuid;

/// How an erased customer's external id starts: `erased:<member id>`.
pub const ERASED_PREFIX: &str = "erased:";

/// Longest reason kept.
pub const MAX_REASON: usize = 500;

/// What an erasure did.
#[derive(Debug, Clone)]
pub struct Erased {
    /// The member, now pseudonymous.
    pub member: member::Model,
    /// Campaign deliveries whose address was erased.
    pub deliveries: u64,
    /// Events whose payload named the old external id.
    pub events: u64,
    /// Sessions revoked.
    pub sessions: u64,
}

/// Erases `member_id`'s personal data; `reason` (1 to 500 characters, why the shop
/// erases: "customer request of 2026-12-07") goes to the audit trail. Erasing an erased
/// member again changes nothing more.
pub async fn erase(ctx: &Ctx, shop_id: Uuid, member_id: Uuid, reason: &str) -> Result<Erased> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(DomainError::invalid(
            "reason",
            format!("a reason has 1 to {MAX_REASON} characters"),
        ));
    }
    let now = ctx.clock.now();
    let txn = ctx.db.begin().await?;
    let row = lock_member(&txn, shop_id, member_id).await?;
    let old_external_id = row.external_id.clone();
    let pseudonym = format!("{ERASED_PREFIX}{member_id}");

    let mut active = row.into_active_model();
    active.external_id = Set(pseudonym.clone());
    active.name = Set(None);
    active.search_name = Set(String::new());
    active.phone = Set(None);
    active.email = Set(None);
    active.birthday = Set(None);
    active.birth_month = Set(None);
    active.gender = Set(Gender::Unknown.as_str().to_owned());
    active.province = Set(None);
    active.district = Set(None);
    active.updated_at = Set(now);
    let member = active.update(&txn).await?;

    let deliveries = campaign_delivery::Entity::update_many()
        .col_expr(
            campaign_delivery::Column::Address,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            campaign_delivery::Column::ErrorMessage,
            Expr::value(Option::<String>::None),
        )
        .filter(campaign_delivery::Column::ShopId.eq(shop_id))
        .filter(campaign_delivery::Column::MemberId.eq(member_id))
        .exec(&txn)
        .await?
        .rows_affected;

    let hashes: Vec<String> = member_session::Entity::find()
        .select_only()
        .column(member_session::Column::TokenHash)
        .filter(member_session::Column::ShopId.eq(shop_id))
        .filter(member_session::Column::MemberId.eq(member_id))
        .filter(member_session::Column::RevokedAt.is_null())
        .into_tuple()
        .all(&txn)
        .await?;
    member_session::Entity::update_many()
        .col_expr(member_session::Column::RevokedAt, Expr::value(now))
        .filter(member_session::Column::ShopId.eq(shop_id))
        .filter(member_session::Column::MemberId.eq(member_id))
        .filter(member_session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;

    let events = rename_in_events(&txn, shop_id, member_id, &old_external_id, &pseudonym).await?;

    crate::audit::record(&txn, shop_id, &[member_id]).await?;
    txn.commit().await?;
    for hash in &hashes {
        ctx.member_sessions.forget(hash);
    }
    tracing::info!(%shop_id, %member_id, "member's personal data erased");
    Ok(Erased {
        member,
        deliveries,
        events,
        sessions: hashes.len() as u64,
    })
}

/// Replaces the old external id in the payloads of the member's events (they name the
/// member by id and external id, nothing more personal).
async fn rename_in_events<C: sea_orm::ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    old: &str,
    new: &str,
) -> Result<u64> {
    if old.starts_with(ERASED_PREFIX) {
        return Ok(0);
    }
    let rows = event::Entity::find()
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::MemberId.eq(member_id))
        .all(conn)
        .await?;
    let quoted_old = serde_json::Value::from(old).to_string();
    let quoted_new = serde_json::Value::from(new).to_string();
    let mut changed = 0;
    for row in rows {
        if !row.payload.contains(&quoted_old) {
            continue;
        }
        let payload = row.payload.replace(&quoted_old, &quoted_new);
        let mut active = row.into_active_model();
        active.payload = Set(payload);
        active.update(conn).await?;
        changed += 1;
    }
    Ok(changed)
}
