//! BIRTHDAY: N days before the member's birthday, by the shop's calendar. A scan covers
//! the shop's days that began in its window; a day whose birthday has already passed is
//! not caught up (after downtime the greeting would come late).
use super::{Occurrence, Window};
use crate::Result;
use crate::shops::Shop;
use chrono::{Datelike, Duration, NaiveDate};
use loyalty_entities::{member, member_search};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Members read per query.
const CHUNK: u64 = 1000;

/// Whether a birthday falls on `day`: 29 February counts as 28 February in other years.
pub fn falls_on(birthday: NaiveDate, day: NaiveDate) -> bool {
    if birthday.month() != day.month() {
        return false;
    }
    birthday.day() == day.day()
        || (birthday.month() == 2
            && birthday.day() == 29
            && day.day() == 28
            && NaiveDate::from_ymd_opt(day.year(), 2, 29).is_none())
}

/// The birthdays whose greeting day (`days` before) began within `window` and that are
/// today or later.
pub fn greeted_days(shop: &Shop, days: i64, window: Window) -> Vec<NaiveDate> {
    let today = shop.local_date(window.to);
    let first = Ord::max(
        shop.local_date(window.from) + Duration::days(1),
        today - Duration::days(days),
    );
    let mut out = Vec::new();
    let mut d = first;
    while d <= today {
        out.push(d + Duration::days(days));
        d += Duration::days(1);
    }
    out
}

/// The birthday occurrences of `window`, keyed by the birthday's year.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    days: i64,
    window: Window,
) -> Result<Vec<Occurrence>> {
    let mut out = Vec::new();
    for day in greeted_days(shop, days, window) {
        let month = day.month() as i32;
        let mut after: Option<Uuid> = None;
        loop {
            let mut in_month = Query::select();
            in_month
                .column(member_search::Column::MemberId)
                .from(member_search::Entity)
                .and_where(Expr::col(member_search::Column::ShopId).eq(shop.id))
                .and_where(Expr::col(member_search::Column::BirthMonth).eq(month));
            let mut q = member::Entity::find()
                .select_only()
                .column(member::Column::Id)
                .column(member::Column::Birthday)
                .filter(member::Column::ShopId.eq(shop.id))
                .filter(Expr::col((member::Entity, member::Column::Id)).in_subquery(in_month));
            if let Some(a) = after {
                q = q.filter(member::Column::Id.gt(a));
            }
            let rows: Vec<(Uuid, Option<NaiveDate>)> = q
                .order_by_asc(member::Column::Id)
                .limit(CHUNK)
                .into_tuple()
                .all(conn)
                .await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.0);
            out.extend(
                rows.into_iter()
                    .filter(|(_, b)| b.is_some_and(|b| falls_on(b, day)))
                    .map(|(id, _)| Occurrence::plain(id, format!("birthday:{}", day.year()))),
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn leap_day_birthdays_fall_on_the_28th_in_other_years() {
        assert!(falls_on(day(2000, 2, 29), day(2027, 2, 28)));
        assert!(!falls_on(day(2000, 2, 29), day(2028, 2, 28)));
        assert!(falls_on(day(2000, 2, 29), day(2028, 2, 29)));
        assert!(!falls_on(day(2000, 3, 1), day(2027, 2, 28)));
    }

    #[test]
    fn greeting_days_follow_the_shop_midnight_and_skip_passed_birthdays() {
        let shop = Shop {
            id: Uuid::nil(),
            name: "s".into(),
            time_zone: chrono_tz::Asia::Ho_Chi_Minh,
        };
        // 16:59 UTC is 23:59 in Vietnam; 17:01 UTC is the next day there.
        let before = at("2027-03-09T16:59:00Z");
        let after = at("2027-03-09T17:01:00Z");
        let w = |from, to| Window { from, to };
        assert!(greeted_days(&shop, 3, w(at("2027-03-09T10:00:00Z"), before)).is_empty());
        assert_eq!(greeted_days(&shop, 3, w(before, after)), [day(2027, 3, 13)]);
        // Ten days down with N = 3: only the birthdays still ahead are greeted.
        let down = greeted_days(&shop, 3, w(at("2027-02-27T10:00:00Z"), after));
        assert_eq!(down.first(), Some(&day(2027, 3, 10)));
        assert_eq!(down.last(), Some(&day(2027, 3, 13)));
    }
}
