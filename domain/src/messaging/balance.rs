//! The shop's messaging balance: topped up by the operator (the party the shop pays for
//! messages; a shop's own keys cannot add money they did not pay), drawn by every
//! message. Shops read their balance and the history of their top-ups.
//!
//! A message's price is held from the balance, with a guarded update, in the same
//! transaction that claims its delivery for sending; the delivery keeps the hold until it
//! is sent (the hold becomes its cost, in the transaction that records it as sent) or
//! fails for good (the hold goes back, in the transaction that records the failure). So
//! the balance never goes below zero and never pays twice for one recipient.
use crate::paging::Page;
use crate::{DomainError, Result, ids::new_id};
use chrono::{DateTime, Utc};
use loyalty_entities::{messaging_account, messaging_topup};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

/// Largest single top-up, VND.
pub const MAX_TOP_UP: i64 = 1_000_000_000_000;

/// Creates the shop's account at zero if it has none.
pub async fn ensure<C: ConnectionTrait>(conn: &C, shop_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    messaging_account::Entity::insert(messaging_account::ActiveModel {
        shop_id: Set(shop_id),
        balance: Set(0),
        window_start: Set(None),
        window_count: Set(0),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(messaging_account::Column::ShopId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The account, locked for the rest of the transaction (created if missing).
pub async fn lock<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    now: DateTime<Utc>,
) -> Result<messaging_account::Model> {
    ensure(conn, shop_id, now).await?;
    messaging_account::Entity::find_by_id(shop_id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| DomainError::Internal("messaging account vanished".into()))
}

/// The balance, VND (0 for a shop that never topped up).
pub async fn balance<C: ConnectionTrait>(conn: &C, shop_id: Uuid) -> Result<i64> {
    Ok(messaging_account::Entity::find_by_id(shop_id)
        .one(conn)
        .await?
        .map_or(0, |a| a.balance))
}

/// Takes `amount` from the balance if it covers it; false when it does not.
pub async fn hold<C: ConnectionTrait>(conn: &C, shop_id: Uuid, amount: i64) -> Result<bool> {
    if amount <= 0 {
        return Ok(true);
    }
    let done = messaging_account::Entity::update_many()
        .col_expr(
            messaging_account::Column::Balance,
            Expr::col(messaging_account::Column::Balance).sub(amount),
        )
        .filter(messaging_account::Column::ShopId.eq(shop_id))
        .filter(messaging_account::Column::Balance.gte(amount))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Gives `amount` back to the balance.
pub async fn release<C: ConnectionTrait>(conn: &C, shop_id: Uuid, amount: i64) -> Result<()> {
    if amount > 0 {
        messaging_account::Entity::update_many()
            .col_expr(
                messaging_account::Column::Balance,
                Expr::col(messaging_account::Column::Balance).add(amount),
            )
            .filter(messaging_account::Column::ShopId.eq(shop_id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// One top-up as the shop sees it in its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpRecord {
    /// The top-up's id.
    pub id: Uuid,
    /// VND added.
    pub amount: i64,
    /// The balance right after it, VND.
    pub balance_after: i64,
    /// The operator's note (an invoice number).
    pub note: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// The shop's top-ups, newest first, a page at a time after the top-up `before`.
pub async fn top_ups<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Page<Uuid, TopUpRecord>> {
    let mut q = messaging_topup::Entity::find().filter(messaging_topup::Column::ShopId.eq(shop_id));
    if let Some(b) = before {
        q = q.filter(messaging_topup::Column::Id.lt(b));
    }
    let rows = q
        .order_by_desc(messaging_topup::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                TopUpRecord {
                    id: r.id,
                    amount: r.amount,
                    balance_after: r.balance_after,
                    note: r.note,
                    created_at: r.created_at,
                },
            )
        })
        .collect();
    Ok(Page::from_overfetch(items, limit))
}

/// Checks a top-up before its transaction: the amount within 1 and [`MAX_TOP_UP`] VND,
/// the note trimmed (none when blank) and at most 200 characters.
pub fn check_top_up(amount: i64, note: Option<&str>) -> Result<Option<&str>> {
    if amount <= 0 || amount > MAX_TOP_UP {
        return Err(DomainError::invalid(
            "amount",
            format!("a top-up is 1 to {MAX_TOP_UP} VND"),
        ));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 200) {
        return Err(DomainError::invalid("note", "at most 200 characters"));
    }
    Ok(note)
}

/// Adds `amount` VND (checked by [`check_top_up`]) to the balance of `shop_id` and
/// records the top-up, in the caller's transaction. Only the operator may top up (the
/// API and the CLI check it): a shop topping itself up would make the balance cap
/// nothing. The campaigns it lets resume are the caller's (`campaigns::top_up`).
pub async fn add_top_up<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    amount: i64,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<TopUpRecord> {
    // The operator names the shop: one that does not exist gets no account.
    crate::shops::load(conn, shop_id).await?;
    let account = lock(conn, shop_id, now).await?;
    let balance = account
        .balance
        .checked_add(amount)
        .ok_or_else(|| DomainError::LimitExceeded("the balance would overflow".into()))?;
    messaging_account::Entity::update_many()
        .col_expr(messaging_account::Column::Balance, Expr::value(balance))
        .col_expr(messaging_account::Column::UpdatedAt, Expr::value(now))
        .filter(messaging_account::Column::ShopId.eq(shop_id))
        .exec(conn)
        .await?;
    let id = new_id();
    messaging_topup::Entity::insert(messaging_topup::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(id),
        amount: Set(amount),
        balance_after: Set(balance),
        note: Set(note.map(str::to_owned)),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(TopUpRecord {
        id,
        amount,
        balance_after: balance,
        note: note.map(str::to_owned),
        created_at: now,
    })
}
