//! Which members a list holds and in what order: the filter and sort inputs of
//! `members` and `segment.members`, and their domain forms.
use crate::graphql::enums::{Channel, CustomerSource, Gender, SavedFilter};
use crate::graphql::scalars::Dec;
use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};
use loyalty_domain::ids::parse_id;
use loyalty_domain::{DomainError, members};

/// An integer range; either end may be open.
#[derive(InputObject, Clone, Copy)]
pub struct RangeInt {
    min: Option<i64>,
    max: Option<i64>,
}

/// A decimal range; either end may be open.
#[derive(InputObject, Clone, Copy)]
pub struct RangeDecimal {
    min: Option<Dec>,
    max: Option<Dec>,
}

/// A time range, `from` inclusive, `to` exclusive; either end may be open.
#[derive(InputObject, Clone, Copy)]
pub struct DateTimeRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Member search criteria; all given criteria combine (AND).
#[derive(InputObject, Default)]
pub struct MemberFilter {
    /// Keyword, case- and diacritics-insensitive ("nguyen van" finds "Nguyễn Văn").
    name: Option<String>,
    /// First digits of the phone, any form ("091", "+8491").
    phone_prefix: Option<String>,
    /// Keyword in the e-mail.
    email: Option<String>,
    gender: Option<Gender>,
    total_orders: Option<RangeInt>,
    /// VND.
    total_spent: Option<RangeDecimal>,
    available_points: Option<RangeInt>,
    tier_ids: Option<Vec<ID>>,
    province: Option<String>,
    district: Option<String>,
    /// Placed at least one order in this range.
    purchased_within: Option<DateTimeRange>,
    registered: Option<bool>,
    /// Last purchase more than N shop days ago (customers who never bought excluded).
    last_purchase_older_than_days: Option<i64>,
    /// Birthday in this month, 1-12.
    birthday_month: Option<i32>,
    /// Also in this segment.
    segment_id: Option<ID>,
    /// Came from the opening-data file or from a sales channel (customers whose source
    /// is unknown match neither).
    source: Option<CustomerSource>,
    /// First sent by this sales channel.
    source_channel: Option<Channel>,
}

fn vnd_range(
    field: &str,
    r: Option<RangeDecimal>,
) -> Result<Option<members::IntRange>, DomainError> {
    r.map(|r| {
        Ok(members::IntRange {
            min: r
                .min
                .map(|d| loyalty_domain::money::vnd_from_decimal(field, d.0))
                .transpose()?,
            max: r
                .max
                .map(|d| loyalty_domain::money::vnd_from_decimal(field, d.0))
                .transpose()?,
        })
    })
    .transpose()
}

fn int_range(r: Option<RangeInt>) -> Option<members::IntRange> {
    r.map(|r| members::IntRange {
        min: r.min,
        max: r.max,
    })
}

impl MemberFilter {
    /// The domain filter, with `saved` folded in.
    pub fn into_domain(
        self,
        saved: Option<SavedFilter>,
    ) -> Result<members::MemberFilter, DomainError> {
        Ok(members::MemberFilter {
            name: self.name,
            phone_prefix: self.phone_prefix,
            email: self.email,
            gender: self.gender.map(Into::into),
            total_orders: int_range(self.total_orders),
            total_spent: vnd_range("totalSpent", self.total_spent)?,
            available_points: int_range(self.available_points),
            tier_ids: self
                .tier_ids
                .map(|ids| {
                    ids.iter()
                        .map(|i| parse_id("tierIds", i))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?,
            province: self.province,
            district: self.district,
            purchased_within: self.purchased_within.map(|r| members::TimeRange {
                from: r.from,
                to: r.to,
            }),
            registered: self.registered,
            last_purchase_older_than_days: self.last_purchase_older_than_days,
            birthday_month: self
                .birthday_month
                .map(|m| {
                    u32::try_from(m)
                        .map_err(|_| DomainError::invalid("birthdayMonth", "must be 1 to 12"))
                })
                .transpose()?,
            segment_id: self
                .segment_id
                .map(|i| parse_id("segmentId", &i))
                .transpose()?,
            saved: saved.map(|s| match s {
                SavedFilter::All => members::SavedFilter::All,
                SavedFilter::BoughtLast7Days => members::SavedFilter::BoughtLast7Days,
                SavedFilter::BoughtLast30Days => members::SavedFilter::BoughtLast30Days,
                SavedFilter::LapsedOver30Days => members::SavedFilter::LapsedOver30Days,
                SavedFilter::Registered => members::SavedFilter::Registered,
                SavedFilter::NotRegistered => members::SavedFilter::NotRegistered,
            }),
            source: self.source.map(Into::into),
            source_channel: self.source_channel.map(Into::into),
        })
    }
}

/// What members are sorted by.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq)]
pub enum MemberSortField {
    Name,
    TotalSpent,
    TotalOrders,
    AvailablePoints,
    LastPurchase,
    RegisteredAt,
    Created,
}

/// Sort direction.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq)]
pub enum SortDirection {
    Asc,
    Desc,
}

/// A sort order; members without a value (no purchase, not registered) come last.
#[derive(InputObject, Clone, Copy)]
pub struct MemberOrderBy {
    field: MemberSortField,
    direction: Option<SortDirection>,
}

impl From<MemberOrderBy> for members::MemberOrder {
    fn from(o: MemberOrderBy) -> Self {
        Self {
            field: match o.field {
                MemberSortField::Name => members::SortField::Name,
                MemberSortField::TotalSpent => members::SortField::TotalSpent,
                MemberSortField::TotalOrders => members::SortField::TotalOrders,
                MemberSortField::AvailablePoints => members::SortField::AvailablePoints,
                MemberSortField::LastPurchase => members::SortField::LastPurchase,
                MemberSortField::RegisteredAt => members::SortField::RegisteredAt,
                MemberSortField::Created => members::SortField::Created,
            },
            descending: o.direction == Some(SortDirection::Desc),
        }
    }
}
