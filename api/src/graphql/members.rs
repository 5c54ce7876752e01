//! Members: profiles, registration, and the paged list.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::{Code, Gql};
use crate::graphql::checkout::OrderLineInput;
use crate::graphql::connection::{PageInfo, decode, encode, page_info};
use crate::graphql::cost;
use crate::graphql::enums::{Gender, SavedFilter};
use crate::graphql::ledger::{LedgerConnection, PointBalance};
use crate::graphql::offers::{Voucher, VoucherStatus};
use crate::graphql::scalars::{Date, Dec, Int32, Long};
use crate::graphql::tiers::Tier;
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::paging::page_size;
use loyalty_domain::shops::{self, Shop};
use loyalty_domain::{Ctx, DomainError, checkout, ledger, members, tiers, vouchers};

/// A customer of the shop; a registered member once `registeredAt` is set.
pub struct Member(pub members::Member);

#[Object]
impl Member {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The sales channel's id for the customer.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Vietnamese numbers in national form (0912345678), others in E.164.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn birthday(&self) -> Option<Date> {
        self.0.birthday.map(Date)
    }
    async fn gender(&self) -> Gender {
        self.0.gender.into()
    }
    async fn province(&self) -> Option<&str> {
        self.0.province.as_deref()
    }
    async fn district(&self) -> Option<&str> {
        self.0.district.as_deref()
    }
    /// The current tier; null until the program is active.
    async fn tier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Tier>> {
        let Some(tier_id) = self.0.tier_id else {
            return Ok(None);
        };
        // A fresh cached policy answers at once; the loader (one load for a whole page)
        // only when the cache must be read again.
        let shop_id = self.0.shop_id;
        let pick = |list: &[tiers::Tier]| list.iter().find(|t| t.id == tier_id).cloned();
        let tier = match ctx.data_unchecked::<Ctx>().policies.fresh(shop_id) {
            Some(policy) => pick(&policy.tiers),
            None => ctx
                .data_unchecked::<Loaders>()
                .tier_lists()
                .load_one(shop_id)
                .await
                .map_err(unshare)
                .gql()?
                .and_then(|l| pick(&l)),
        };
        Ok(tier.map(|tier| Tier {
            shop_id: self.0.shop_id,
            tier,
        }))
    }
    /// Paid spend counted toward the tier in the current cycle, VND.
    async fn ranking_spend(&self) -> Dec {
        self.0.ranking_spend.into()
    }
    async fn registered_at(&self) -> Option<DateTime<Utc>> {
        self.0.registered_at
    }
    async fn total_orders(&self) -> Int32 {
        self.0.total_orders.into()
    }
    async fn total_spent(&self) -> Dec {
        self.0.total_spent.into()
    }
    async fn last_purchase_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_purchase_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Point balances, as of now.
    async fn points(&self, ctx: &Context<'_>) -> async_graphql::Result<PointBalance> {
        let key = (self.0.shop_id, self.0.id);
        let loaders = ctx.data_unchecked::<Loaders>();
        let live = if wants_whole(&ctx.look_ahead()) {
            // The whole balance's one statement answers all four fields.
            loaders
                .balances()
                .load_one(key)
                .await
                .map_err(unshare)
                .gql()?
                .unwrap_or_default()
                .live()
        } else {
            loaders
                .live_balances()
                .load_one(key)
                .await
                .map_err(unshare)
                .gql()?
                .unwrap_or_default()
        };
        Ok(PointBalance { key, live })
    }
    /// The member's vouchers, newest first, optionally of one status.
    async fn vouchers(
        &self,
        ctx: &Context<'_>,
        status: Option<VoucherStatus>,
    ) -> async_graphql::Result<Vec<Voucher>> {
        let now = domain(ctx).clock.now();
        let want = status.map(|s| match s {
            VoucherStatus::Active => vouchers::VoucherStatus::Active,
            VoucherStatus::Used => vouchers::VoucherStatus::Used,
            VoucherStatus::Expired => vouchers::VoucherStatus::Expired,
        });
        Ok(vouchers::wallet(&domain(ctx).db, self.0.shop_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .filter(|v| want.is_none_or(|w| v.status(now) == w))
            .map(|voucher| Voucher {
                shop_id: self.0.shop_id,
                voucher,
            })
            .collect())
    }
    /// For a cart: which of the member's active vouchers would apply now, and why not.
    async fn usable_vouchers(
        &self,
        ctx: &Context<'_>,
        lines: Vec<OrderLineInput>,
    ) -> async_graphql::Result<Vec<VoucherCheck>> {
        let lines: Vec<checkout::OrderLine> = lines.into_iter().map(Into::into).collect();
        let checks = checkout::voucher_check::check(domain(ctx), self.0.shop_id, self.0.id, &lines)
            .await
            .gql()?;
        Ok(checks
            .into_iter()
            .map(|c| VoucherCheck {
                voucher: Voucher {
                    shop_id: self.0.shop_id,
                    voucher: c.voucher,
                },
                usable: c.discount.is_some(),
                discount: c.discount.map(Dec::from),
                reason: c.reason,
            })
            .collect())
    }
    /// Ledger entries, newest first.
    #[graphql(complexity = "cost::paged(first, child_complexity)")]
    async fn ledger(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<LedgerConnection> {
        let limit = page_size(first).gql()?;
        let after = decode::<ledger::LedgerCursor>(after.as_deref())?;
        if after.is_none() {
            // First pages batch across the members of a list.
            let page = ctx
                .data_unchecked::<Loaders>()
                .ledgers()
                .load_one((self.0.shop_id, self.0.id, limit))
                .await
                .map_err(unshare)
                .gql()?
                .map(|p| (*p).clone())
                .unwrap_or(loyalty_domain::paging::Page {
                    items: vec![],
                    has_next: false,
                });
            return Ok(LedgerConnection::from_page(page));
        }
        let page = ledger::entries(&domain(ctx).db, self.0.shop_id, self.0.id, after, limit)
            .await
            .gql()?;
        Ok(LedgerConnection::from_page(page))
    }
}

/// Whether one voucher would apply to a cart.
#[derive(SimpleObject)]
pub struct VoucherCheck {
    voucher: Voucher,
    usable: bool,
    /// What it would take off, alone on this cart.
    discount: Option<Dec>,
    /// Why not, in words a cashier can read.
    reason: Option<String>,
}

/// A profile as a channel pushes it; omitted fields keep their stored value.
#[derive(InputObject)]
pub struct MemberInput {
    /// The channel's id for the customer; the upsert key.
    external_id: String,
    name: Option<String>,
    /// Any common form: 0912345678, +84 912 345 678, 84912345678.
    phone: Option<String>,
    email: Option<String>,
    birthday: Option<Date>,
    gender: Option<Gender>,
    province: Option<String>,
    district: Option<String>,
    /// true: becomes a registered member now.
    register: Option<bool>,
}

impl From<MemberInput> for members::MemberInput {
    fn from(i: MemberInput) -> Self {
        Self {
            external_id: i.external_id,
            name: i.name,
            phone: i.phone,
            email: i.email,
            birthday: i.birthday.map(|d| d.0),
            gender: i.gender.map(Into::into),
            province: i.province,
            district: i.district,
            register: i.register,
        }
    }
}

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
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
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

/// An edge of [`MemberConnection`].
#[derive(SimpleObject)]
pub struct MemberEdge {
    cursor: String,
    node: Member,
}

/// A page of members.
pub struct MemberConnection {
    edges: Vec<MemberEdge>,
    page_info: PageInfo,
    shop: Shop,
    now: DateTime<Utc>,
    filter: members::MemberFilter,
}

#[Object]
impl MemberConnection {
    async fn edges(&self, ctx: &Context<'_>) -> async_graphql::Result<&[MemberEdge]> {
        prime(ctx, self.shop.id, &self.edges).await?;
        Ok(&self.edges)
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// Exact number of members matching the filter (all pages).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<Int32> {
        let n = members::listing::count(&domain(ctx).db, &self.shop, self.now, &self.filter)
            .await
            .gql()?;
        Ok(n.into())
    }
}

/// Whether a `points` selection asks for used or expired points: then the whole balance
/// is loaded, whose statement also gives available and pending, instead of the lots'
/// sums and then the whole balance.
fn wants_whole(points: &async_graphql::Lookahead<'_>) -> bool {
    points.field("used").exists() || points.field("expired").exists()
}

/// Loads, in one batch per kind, what the page's nested fields will ask for (balances,
/// first ledger pages), so their per-member loads hit the request's cache: the number of
/// statements does not depend on the page size, nor on how fast members resolve.
async fn prime(
    ctx: &Context<'_>,
    shop_id: uuid::Uuid,
    edges: &[MemberEdge],
) -> async_graphql::Result<()> {
    let node = ctx.look_ahead().field("node");
    let loaders = ctx.data_unchecked::<Loaders>();
    let ids: Vec<uuid::Uuid> = edges.iter().map(|e| e.node.0.id).collect();
    if node.field("tier").exists() {
        loaders
            .tier_lists()
            .load_one(shop_id)
            .await
            .map_err(unshare)
            .gql()?;
    }
    // The loader `Member.points` will use (see `wants_whole`).
    let points = node.field("points");
    let keys = ids.iter().map(|m| (shop_id, *m));
    if wants_whole(&points) {
        loaders
            .balances()
            .load_many(keys)
            .await
            .map_err(unshare)
            .gql()?;
    } else if points.exists() {
        loaders
            .live_balances()
            .load_many(keys)
            .await
            .map_err(unshare)
            .gql()?;
    }
    for ledger in node.field("ledger").selection_fields() {
        let args = ledger.arguments()?;
        let arg = |name: &str| {
            args.iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(_, v)| v.clone())
        };
        let first_page = matches!(arg("after"), None | Some(async_graphql::Value::Null));
        let first = match arg("first") {
            Some(async_graphql::Value::Number(n)) => n.as_i64(),
            _ => None,
        };
        if let (true, Ok(n)) = (first_page, page_size(first)) {
            loaders
                .ledgers()
                .load_many(ids.iter().map(|m| (shop_id, *m, n)))
                .await
                .map_err(unshare)
                .gql()?;
        }
    }
    Ok(())
}

/// Lists members of `shop_id`: the query behind `members` and `segment.members`.
pub async fn member_page(
    ctx: &Context<'_>,
    shop_id: uuid::Uuid,
    filter: members::MemberFilter,
    order: members::MemberOrder,
    first: Option<i64>,
    after: Option<String>,
) -> async_graphql::Result<MemberConnection> {
    let d = domain(ctx);
    let shop = shops::load(&d.db, shop_id).await.gql()?;
    let now = d.clock.now();
    let limit = page_size(first).gql()?;
    let after = decode::<members::MemberCursor>(after.as_deref())?;
    let page = members::page(&d.db, &shop, now, &filter, order, after.as_ref(), limit)
        .await
        .gql()?;
    let cursors: Vec<String> = page.items.iter().map(|(k, _)| encode(k.clone())).collect();
    let edges = page
        .items
        .into_iter()
        .zip(cursors.iter())
        .map(|((_, m), c)| MemberEdge {
            cursor: c.clone(),
            node: Member(m),
        })
        .collect();
    Ok(MemberConnection {
        edges,
        page_info: page_info(&cursors, page.has_next),
        shop,
        now,
        filter,
    })
}

/// Member queries.
#[derive(Default)]
pub struct MemberQuery;

#[Object]
impl MemberQuery {
    /// One member of the caller's shop by id or external id (exactly one of them).
    #[graphql(guard = "RoleGuard(Role::Read)")]
    async fn member(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        external_id: Option<String>,
    ) -> async_graphql::Result<Option<Member>> {
        let shop_id = principal(ctx)?.shop_id;
        let db = &domain(ctx).db;
        let found = match (id, external_id) {
            (Some(id), None) => {
                // An id that is not even well-formed names no member of this shop.
                match parse_id("id", &id) {
                    Ok(id) => members::by_id(db, shop_id, id).await.gql()?,
                    Err(_) => None,
                }
            }
            (None, Some(ext)) => members::by_external_id(db, shop_id, &ext).await.gql()?,
            _ => {
                return Err(Code::BadUserInput.error("give exactly one of `id` and `externalId`"));
            }
        };
        Ok(found.map(Member))
    }

    /// Members of the caller's shop matching `filter` and `saved`, in `orderBy` (default:
    /// oldest first), a page at a time.
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "cost::paged(first, child_complexity)"
    )]
    async fn members(
        &self,
        ctx: &Context<'_>,
        filter: Option<MemberFilter>,
        saved: Option<SavedFilter>,
        order_by: Option<MemberOrderBy>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<MemberConnection> {
        let shop_id = principal(ctx)?.shop_id;
        let filter = filter.unwrap_or_default().into_domain(saved).gql()?;
        let order = order_by.map(Into::into).unwrap_or_default();
        member_page(ctx, shop_id, filter, order, first, after).await
    }
}

/// A row an import refused.
#[derive(SimpleObject)]
pub struct ImportRejection {
    /// Line in the file (the header is line 1).
    line: Int32,
    reason: String,
}

/// What an import did.
#[derive(SimpleObject)]
pub struct ImportReport {
    read: Int32,
    /// Rows that created or changed a profile or added opening points.
    imported: Int32,
    /// Rows that matched what was there (a re-run of the same file).
    unchanged: Int32,
    /// Opening points credited: each row's at most 1,000,000,000, so the sum may pass
    /// 32 bits.
    points_imported: Long,
    rejected: Vec<ImportRejection>,
}

impl From<members::import::ImportReport> for ImportReport {
    fn from(r: members::import::ImportReport) -> Self {
        Self {
            read: r.read.into(),
            imported: r.imported.into(),
            unchanged: r.unchanged.into(),
            points_imported: Long(r.points_imported),
            rejected: r
                .rejected
                .into_iter()
                .map(|x| ImportRejection {
                    line: x.line.into(),
                    reason: x.reason,
                })
                .collect(),
        }
    }
}

/// Member mutations.
#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    /// Creates or updates the customer with `input.externalId`.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn upsert_member(
        &self,
        ctx: &Context<'_>,
        input: MemberInput,
    ) -> async_graphql::Result<Member> {
        let shop_id = principal(ctx)?.shop_id;
        Ok(Member(
            members::upsert(domain(ctx), shop_id, input.into())
                .await
                .gql()?,
        ))
    }

    /// Imports the opening-data CSV (columns: external_id, name, phone, email, birthday,
    /// gender, province, district, total_orders, total_spent, opening_points, registered).
    /// Bad rows are reported and skipped; the same file twice changes nothing. At most
    /// 1,000 rows (500,000 bytes), in one transaction: an error or a timeout writes
    /// nothing. Larger files: `loyalty import members FILE --shop ID`, or parts of at
    /// most 1,000 rows (sending a part again changes nothing).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn import_members(
        &self,
        ctx: &Context<'_>,
        csv: String,
    ) -> async_graphql::Result<ImportReport> {
        let shop_id = principal(ctx)?.shop_id;
        let report = members::import::import_request(domain(ctx), shop_id, &csv)
            .await
            .gql()?;
        Ok(report.into())
    }

    /// Registers customers as members; returns how many were newly registered. Every id
    /// must be a customer of the shop, or nothing changes.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn register_members(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Int32> {
        let shop_id = principal(ctx)?.shop_id;
        let ids = ids
            .iter()
            .map(|id| parse_id("ids", id))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        let n = members::register(domain(ctx), shop_id, &ids).await.gql()?;
        Ok(n.into())
    }
}
