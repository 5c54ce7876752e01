//! Member search criteria (seeds 002 and 003): every filter combines with AND, and turns
//! into one SQL condition that runs the same on SQLite and PostgreSQL.
use super::Gender;
use super::name_fold::fold;
use super::source::{self, SourceKind};
use crate::channel::Channel;
use crate::shops::{Shop, local_midnight};
use crate::{DomainError, Result};
use chrono::{DateTime, Duration, Utc};
use loyalty_entities::{member, member_search, order, segment};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An inclusive range; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntRange {
    /// At least.
    pub min: Option<i64>,
    /// At most.
    pub max: Option<i64>,
}

/// A time range, `from` inclusive, `to` exclusive; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// From.
    pub from: Option<DateTime<Utc>>,
    /// Until.
    pub to: Option<DateTime<Utc>>,
}

/// The built-in saved filters (seeds 002, 003). "Days ago" counts the shop's calendar
/// days: a purchase today is 0 days ago, yesterday 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SavedFilter {
    /// Everyone.
    All,
    /// Last purchase 0 to 7 days ago.
    BoughtLast7Days,
    /// Last purchase 0 to 30 days ago.
    BoughtLast30Days,
    /// Last purchase 31 or more days ago (the complement of the one above among buyers).
    LapsedOver30Days,
    /// Registered members.
    Registered,
    /// Customers not registered.
    NotRegistered,
}

/// Which members to list. Everything given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberFilter {
    /// Keyword in the name, case- and diacritics-insensitive.
    pub name: Option<String>,
    /// Start of the normalized phone ("091", "+8491" and "8491" alike).
    pub phone_prefix: Option<String>,
    /// Keyword in the e-mail, case-insensitive.
    pub email: Option<String>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Orders placed.
    pub total_orders: Option<IntRange>,
    /// Paid spend, VND.
    pub total_spent: Option<IntRange>,
    /// Available points.
    pub available_points: Option<IntRange>,
    /// In one of these tiers.
    pub tier_ids: Option<Vec<Uuid>>,
    /// Province, exactly as stored.
    pub province: Option<String>,
    /// District, exactly as stored.
    pub district: Option<String>,
    /// Placed at least one order in this time range.
    pub purchased_within: Option<TimeRange>,
    /// Registered (true) or not (false).
    pub registered: Option<bool>,
    /// Last purchase more than this many days ago (shop days; never-buyers excluded).
    pub last_purchase_older_than_days: Option<i64>,
    /// Birthday in this month (1-12).
    pub birthday_month: Option<u32>,
    /// Also in this segment.
    pub segment_id: Option<Uuid>,
    /// A built-in saved filter.
    pub saved: Option<SavedFilter>,
    /// Came from the opening-data file or from a sales channel (unknown sources match
    /// neither).
    pub source: Option<SourceKind>,
    /// First sent by this sales channel.
    pub source_channel: Option<Channel>,
}

fn check_range(field: &str, r: Option<IntRange>) -> Result<()> {
    if let Some(IntRange {
        min: Some(a),
        max: Some(b),
    }) = r
        && a > b
    {
        return Err(DomainError::invalid(field, "min is above max"));
    }
    Ok(())
}

fn check_text(field: &str, v: &Option<String>) -> Result<()> {
    if v.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(DomainError::invalid(field, "at most 200 characters"));
    }
    Ok(())
}

impl MemberFilter {
    /// Refuses impossible or oversized criteria.
    pub fn validate(&self) -> Result<()> {
        check_text("name", &self.name)?;
        check_text("email", &self.email)?;
        check_text("province", &self.province)?;
        check_text("district", &self.district)?;
        check_range("totalOrders", self.total_orders)?;
        check_range("totalSpent", self.total_spent)?;
        check_range("availablePoints", self.available_points)?;
        if let Some(p) = &self.phone_prefix
            && (p.chars().filter(char::is_ascii_digit).count() == 0 || p.len() > 20)
        {
            return Err(DomainError::invalid(
                "phonePrefix",
                "give the first digits of a phone number",
            ));
        }
        if self.birthday_month.is_some_and(|m| !(1..=12).contains(&m)) {
            return Err(DomainError::invalid("birthdayMonth", "must be 1 to 12"));
        }
        if self
            .last_purchase_older_than_days
            .is_some_and(|d| !(0..=36_500).contains(&d))
        {
            return Err(DomainError::invalid(
                "lastPurchaseOlderThanDays",
                "must be 0 to 36500",
            ));
        }
        if self.tier_ids.as_ref().is_some_and(|t| t.len() > 100) {
            return Err(DomainError::LimitExceeded("at most 100 tier ids".into()));
        }
        Ok(())
    }
}

/// A phone prefix in the stored form: "+8491" and "8491" become "091".
pub fn phone_prefix(raw: &str) -> String {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("84") {
        Some(rest) if raw.trim_start().starts_with('+') || digits.len() > 3 => format!("0{rest}"),
        _ => digits,
    }
}

/// `%keyword%` with LIKE's wildcards escaped.
fn contains(keyword: &str) -> LikeExpr {
    let escaped = keyword
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

fn range<C: ColumnTrait>(cond: Condition, col: C, r: Option<IntRange>) -> Condition {
    let Some(r) = r else { return cond };
    let mut cond = cond;
    if let Some(min) = r.min {
        cond = cond.add(col.gte(min));
    }
    if let Some(max) = r.max {
        cond = cond.add(col.lte(max));
    }
    cond
}

/// The UTC instant the shop's day `days` days before `now`'s day begins.
fn days_ago_start(shop: &Shop, now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    local_midnight(shop.time_zone, shop.local_date(now) - Duration::days(days))
}

/// The SQL condition for `filter` in `shop` at `now`; a segment's own filter is added.
pub async fn condition<C: ConnectionTrait>(
    conn: &C,
    shop: &Shop,
    now: DateTime<Utc>,
    filter: &MemberFilter,
) -> Result<Condition> {
    let mut cond = own_condition(shop, now, filter);
    if let Some(id) = filter.segment_id {
        let seg = segment::Entity::find_by_id((shop.id, id))
            .one(conn)
            .await?
            .ok_or_else(|| DomainError::NotFound("segment not found".into()))?;
        let inner: MemberFilter = serde_json::from_str(&seg.filter)
            .map_err(|e| DomainError::Internal(format!("stored segment filter: {e}")))?;
        // Segments cannot name segments (refused when saved), so this does not recurse.
        cond = cond.add(own_condition(shop, now, &inner));
    }
    Ok(cond)
}

fn own_condition(shop: &Shop, now: DateTime<Utc>, f: &MemberFilter) -> Condition {
    use member::Column as M;
    let mut c = Condition::all().add(M::ShopId.eq(shop.id));
    if let Some(profile) = profile_condition(f) {
        let mut sub = Query::select();
        sub.column(member_search::Column::MemberId)
            .from(member_search::Entity)
            .and_where(member_search::Column::ShopId.eq(shop.id))
            .cond_where(profile);
        c = c.add(Expr::col((member::Entity, M::Id)).in_subquery(sub));
    }
    c = range(c, M::TotalOrders, f.total_orders);
    c = range(c, M::TotalSpent, f.total_spent);
    c = range(c, M::PointsAvailable, f.available_points);
    if let Some(ids) = &f.tier_ids {
        c = c.add(M::TierId.is_in(ids.clone()));
    }
    if let Some(r) = f.purchased_within {
        let mut sub = Query::select();
        sub.expr(Expr::val(1))
            .from(order::Entity)
            .and_where(
                Expr::col((order::Entity, order::Column::ShopId))
                    .equals((member::Entity, M::ShopId)),
            )
            .and_where(
                Expr::col((order::Entity, order::Column::MemberId)).equals((member::Entity, M::Id)),
            );
        if let Some(from) = r.from {
            sub.and_where(Expr::col((order::Entity, order::Column::PlacedAt)).gte(from));
        }
        if let Some(to) = r.to {
            sub.and_where(Expr::col((order::Entity, order::Column::PlacedAt)).lt(to));
        }
        c = c.add(Expr::exists(sub));
    }
    if let Some(r) = f.registered {
        c = c.add(if r {
            M::RegisteredAt.is_not_null()
        } else {
            M::RegisteredAt.is_null()
        });
    }
    if let Some(days) = f.last_purchase_older_than_days {
        c = c.add(M::LastPurchaseAt.lt(days_ago_start(shop, now, days)));
    }
    match f.source {
        None => {}
        Some(SourceKind::Import) => c = c.add(M::Source.eq(source::IMPORT)),
        Some(SourceKind::Channel) => {
            c = c.add(M::Source.is_in(Channel::ALL.iter().map(|ch| ch.as_str())))
        }
    }
    if let Some(ch) = f.source_channel {
        c = c.add(M::Source.eq(ch.as_str()));
    }
    match f.saved {
        None | Some(SavedFilter::All) => {}
        Some(SavedFilter::BoughtLast7Days) => {
            c = c.add(M::LastPurchaseAt.gte(days_ago_start(shop, now, 7)))
        }
        Some(SavedFilter::BoughtLast30Days) => {
            c = c.add(M::LastPurchaseAt.gte(days_ago_start(shop, now, 30)))
        }
        Some(SavedFilter::LapsedOver30Days) => {
            c = c.add(M::LastPurchaseAt.lt(days_ago_start(shop, now, 30)))
        }
        Some(SavedFilter::Registered) => c = c.add(M::RegisteredAt.is_not_null()),
        Some(SavedFilter::NotRegistered) => c = c.add(M::RegisteredAt.is_null()),
    }
    c
}

/// The filters on profile columns, which are matched in `member_search` (their indexes
/// live there, off the row every order updates); `None` when the filter has none.
fn profile_condition(f: &MemberFilter) -> Option<Condition> {
    use member_search::Column as S;
    let col = |c: S| Expr::col((member_search::Entity, c));
    let mut c = Condition::all();
    if let Some(n) = f.name.as_deref().map(fold).filter(|n| !n.is_empty()) {
        c = c.add(col(S::SearchName).like(contains(&n)));
    }
    if let Some(p) = &f.phone_prefix {
        c = c.add(col(S::Phone).like(LikeExpr::new(format!("{}%", phone_prefix(p)))));
    }
    if let Some(e) = f
        .email
        .as_deref()
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
    {
        c = c.add(col(S::Email).like(contains(&e)));
    }
    if let Some(g) = f.gender {
        c = c.add(col(S::Gender).eq(g.as_str()));
    }
    if let Some(p) = &f.province {
        c = c.add(col(S::Province).eq(p.trim()));
    }
    if let Some(d) = &f.district {
        c = c.add(col(S::District).eq(d.trim()));
    }
    if let Some(m) = f.birthday_month {
        c = c.add(col(S::BirthMonth).eq(m as i32));
    }
    (!c.is_empty()).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_prefixes_normalize() {
        assert_eq!(phone_prefix("091"), "091");
        assert_eq!(phone_prefix("+8491"), "091");
        assert_eq!(phone_prefix("8491"), "091");
        assert_eq!(phone_prefix("028"), "028");
        assert_eq!(phone_prefix("84"), "84");
    }

    #[test]
    fn ranges_and_months_are_checked() {
        let f = MemberFilter {
            total_orders: Some(IntRange {
                min: Some(5),
                max: Some(1),
            }),
            ..Default::default()
        };
        assert!(f.validate().is_err());
        let f = MemberFilter {
            birthday_month: Some(13),
            ..Default::default()
        };
        assert!(f.validate().is_err());
        assert!(MemberFilter::default().validate().is_ok());
    }
}
