//! A member's vouchers by state, newest first, a page at a time; and the first pages of
//! many members in one statement, for a page of members.
use super::voucher::{Voucher, VoucherStatus};
use crate::Result;
use crate::paging::{Page, first_of_each_member};
use chrono::{DateTime, Utc};
use loyalty_entities::voucher;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// Where a voucher page continues: after this voucher, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherCursor {
    /// When the last voucher of the previous page was issued.
    pub issued_at: DateTime<Utc>,
    /// Its code, which orders vouchers issued at the same time.
    pub code: String,
}

impl VoucherCursor {
    fn of(v: &Voucher) -> Self {
        Self {
            issued_at: v.issued_at,
            code: v.code.clone(),
        }
    }
}

/// The vouchers that are in `status` at `now`, as SQL: the rule of
/// [`Voucher::status`], which the tests below hold the two to.
pub fn in_status(status: VoucherStatus, now: DateTime<Utc>) -> Condition {
    use voucher::Column::{ExpiresAt, UsedAt};
    match status {
        VoucherStatus::Usable => Condition::all().add(UsedAt.is_null()).add(
            Condition::any()
                .add(ExpiresAt.is_null())
                .add(ExpiresAt.gt(now)),
        ),
        VoucherStatus::Used => Condition::all().add(UsedAt.is_not_null()),
        VoucherStatus::Expired => Condition::all()
            .add(UsedAt.is_null())
            .add(ExpiresAt.lte(now)),
    }
}

fn of_members(shop_id: Uuid, status: Option<VoucherStatus>, now: DateTime<Utc>) -> Condition {
    let mut c = Condition::all().add(voucher::Column::ShopId.eq(shop_id));
    if let Some(s) = status {
        c = c.add(in_status(s, now));
    }
    c
}

/// A page of the member's vouchers, newest first, in `status` at `now` (all when `None`).
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    member_id: Uuid,
    status: Option<VoucherStatus>,
    now: DateTime<Utc>,
    after: Option<&VoucherCursor>,
    limit: u64,
) -> Result<Page<VoucherCursor, Voucher>> {
    let mut q = voucher::Entity::find()
        .filter(of_members(shop_id, status, now))
        .filter(voucher::Column::MemberId.eq(member_id));
    if let Some(c) = after {
        q = q.filter(
            Condition::any()
                .add(voucher::Column::IssuedAt.lt(c.issued_at))
                .add(
                    Condition::all()
                        .add(voucher::Column::IssuedAt.eq(c.issued_at))
                        .add(voucher::Column::Code.lt(c.code.clone())),
                ),
        );
    }
    let rows = q
        .order_by_desc(voucher::Column::IssuedAt)
        .order_by_desc(voucher::Column::Code)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let v = Voucher::from_row(r);
            (VoucherCursor::of(&v), v)
        })
        .collect();
    Ok(Page::from_overfetch(items, limit))
}

/// The first page of `n` vouchers of each of `members`, as [`page`] gives it, in one
/// statement: a window function numbers each member's vouchers newest first, so a page
/// of members with their vouchers costs the same whatever its size.
pub async fn first_pages<C: ConnectionTrait>(
    conn: &C,
    shop_id: Uuid,
    members: &[Uuid],
    status: Option<VoucherStatus>,
    now: DateTime<Utc>,
    n: u64,
) -> Result<HashMap<Uuid, Page<VoucherCursor, Voucher>>> {
    if members.is_empty() {
        return Ok(HashMap::new());
    }
    let ranked = voucher::Entity::find()
        .filter(of_members(shop_id, status, now))
        .filter(voucher::Column::MemberId.is_in(members.to_vec()))
        .into_query();
    let first = first_of_each_member(ranked, "issued_at DESC, code DESC", n);
    let rows = conn
        .query_all_raw(conn.get_database_backend().build(&first))
        .await?;
    let mut by_member: HashMap<Uuid, Vec<Voucher>> =
        members.iter().map(|m| (*m, Vec::new())).collect();
    for row in rows {
        let v = Voucher::from_row(voucher::Model::from_query_result(&row, "")?);
        if let Some(list) = v.member_id.and_then(|m| by_member.get_mut(&m)) {
            list.push(v);
        }
    }
    Ok(by_member
        .into_iter()
        .map(|(m, mut list)| {
            list.sort_by(|a, b| (b.issued_at, &b.code).cmp(&(a.issued_at, &a.code)));
            let items = list
                .into_iter()
                .map(|v| (VoucherCursor::of(&v), v))
                .collect();
            (m, Page::from_overfetch(items, n))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::with_table;
    use chrono::Duration;
    use sea_orm::IntoActiveModel;

    fn row(
        code: &str,
        member: Uuid,
        issued: i64,
        expires: Option<i64>,
        used: bool,
    ) -> voucher::Model {
        let t0 = DateTime::<Utc>::default();
        voucher::Model {
            shop_id: Uuid::nil(),
            code: code.to_owned(),
            offer_id: Uuid::nil(),
            member_id: Some(member),
            source: "MANUAL".into(),
            issued_at: t0 + Duration::hours(issued),
            expires_at: expires.map(|h| t0 + Duration::hours(h)),
            used_at: used.then(|| t0 + Duration::hours(issued + 1)),
            order_id: None,
            entry_id: None,
        }
    }

    /// Vouchers of two members in every state at hour 10, some issued at the same time.
    async fn stocked() -> (sea_orm::DatabaseConnection, Vec<voucher::Model>, [Uuid; 2]) {
        let db = with_table(voucher::Entity).await;
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let rows = vec![
            row("A1", a, 1, None, false),
            row("A2", a, 2, Some(10), false), // expires exactly now
            row("A3", a, 2, Some(11), false),
            row("A4", a, 3, Some(5), true), // used, then expired: used
            row("A5", a, 4, Some(9), false),
            row("A6", a, 4, None, true),
            row("B1", b, 1, None, false),
        ];
        voucher::Entity::insert_many(rows.iter().cloned().map(|r| r.into_active_model()))
            .exec_without_returning(&db)
            .await
            .expect("vouchers");
        (db, rows, [a, b])
    }

    fn codes(page: &Page<VoucherCursor, Voucher>) -> Vec<&str> {
        page.items.iter().map(|(_, v)| v.code.as_str()).collect()
    }

    #[tokio::test]
    async fn each_status_in_sql_is_the_status_in_rust() {
        let (db, rows, [a, _]) = stocked().await;
        let now = DateTime::<Utc>::default() + Duration::hours(10);
        for status in [
            VoucherStatus::Usable,
            VoucherStatus::Used,
            VoucherStatus::Expired,
        ] {
            let got = page(&db, Uuid::nil(), a, Some(status), now, None, 100)
                .await
                .expect("page");
            let mut want: Vec<voucher::Model> = rows
                .iter()
                .filter(|r| r.member_id == Some(a))
                .filter(|r| Voucher::from_row((*r).clone()).status(now) == status)
                .cloned()
                .collect();
            want.sort_by(|x, y| (y.issued_at, &y.code).cmp(&(x.issued_at, &x.code)));
            let want: Vec<&str> = want.iter().map(|r| r.code.as_str()).collect();
            assert!(!want.is_empty(), "{status:?} has vouchers to find");
            assert_eq!(codes(&got), want, "{status:?}");
        }
    }

    #[tokio::test]
    async fn pages_continue_after_their_cursor_and_batch_the_same() {
        let (db, _, [a, b]) = stocked().await;
        let now = DateTime::<Utc>::default() + Duration::hours(10);
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let p = page(&db, Uuid::nil(), a, None, now, after.as_ref(), 2)
                .await
                .expect("page");
            seen.extend(codes(&p).into_iter().map(str::to_owned));
            match (p.has_next, p.items.last()) {
                (true, Some((c, _))) => after = Some(c.clone()),
                _ => break,
            }
        }
        assert_eq!(seen, ["A6", "A5", "A4", "A3", "A2", "A1"]);
        let first = first_pages(&db, Uuid::nil(), &[a, b], None, now, 2)
            .await
            .expect("first pages");
        let alone = page(&db, Uuid::nil(), a, None, now, None, 2)
            .await
            .expect("page");
        assert_eq!(codes(&first[&a]), codes(&alone));
        assert!(first[&a].has_next && !first[&b].has_next);
        assert_eq!(codes(&first[&b]), ["B1"]);
    }
}
