//! Members: profiles, registration, and the paged list.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::{Code, Gql};
use crate::graphql::checkout::OrderLineInput;
use crate::graphql::connection::{PageInfo, decode, encode, page_info};
use crate::graphql::enums::{Gender, SavedFilter};
use crate::graphql::ledger::{LedgerConnection, PointBalance};
use crate::graphql::offers::{Voucher, VoucherStatus};
use crate::graphql::scalars::{Date, Dec};
use crate::graphql::tiers::Tier;
use crate::loaders::{Loaders, unshare};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::ids::parse_id;
use loyalty_domain::paging::page_size;
use loyalty_domain::{DomainError, ledger, members, orders, vouchers};

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
        let list = ctx
            .data_unchecked::<Loaders>()
            .tier_lists
            .load_one(self.0.shop_id)
            .await
            .map_err(unshare)
            .gql()?;
        Ok(list
            .and_then(|l| l.iter().find(|t| t.id == tier_id).cloned())
            .map(|tier| Tier {
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
    async fn total_orders(&self) -> i64 {
        self.0.total_orders
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
        let b = ctx
            .data_unchecked::<Loaders>()
            .balances
            .load_one((self.0.shop_id, self.0.id))
            .await
            .map_err(unshare)
            .gql()?
            .unwrap_or_default();
        Ok(PointBalance {
            available: b.available,
            pending: b.pending,
            used: b.used,
            expired: b.expired,
        })
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
        let lines: Vec<orders::OrderLine> = lines.into_iter().map(Into::into).collect();
        let checks = vouchers::usable::check(domain(ctx), self.0.shop_id, self.0.id, &lines)
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
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn ledger(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<LedgerConnection> {
        let limit = page_size(first).gql()?;
        let after = decode::<ledger::LedgerCursor>(after.as_deref())?;
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

/// A time range; either end may be open.
#[derive(InputObject, Clone, Copy)]
pub struct DateTimeRange {
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// Member search criteria; all given criteria combine (AND).
#[derive(InputObject, Default)]
pub struct MemberFilter {
    /// Keyword, diacritics-insensitive.
    name: Option<String>,
    phone_prefix: Option<String>,
    email: Option<String>,
    gender: Option<Gender>,
    total_orders: Option<RangeInt>,
    total_spent: Option<RangeDecimal>,
    available_points: Option<RangeInt>,
    tier_ids: Option<Vec<ID>>,
    province: Option<String>,
    district: Option<String>,
    purchased_within: Option<DateTimeRange>,
    registered: Option<bool>,
}

impl MemberFilter {
    fn into_domain(self) -> async_graphql::Result<members::MemberFilter> {
        let unsupported = self.name.is_some()
            || self.phone_prefix.is_some()
            || self.email.is_some()
            || self.gender.is_some()
            || self.total_orders.is_some()
            || self.total_spent.is_some()
            || self.available_points.is_some()
            || self.tier_ids.is_some()
            || self.province.is_some()
            || self.district.is_some()
            || self.purchased_within.is_some();
        if unsupported {
            return Err(DomainError::NotImplemented("member search filters")).gql();
        }
        Ok(members::MemberFilter {
            registered: self.registered,
        })
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
    shop_id: uuid::Uuid,
    filter: members::MemberFilter,
}

#[Object]
impl MemberConnection {
    async fn edges(&self) -> &[MemberEdge] {
        &self.edges
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// Exact number of members matching the filter (all pages).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let n = members::count(&domain(ctx).db, self.shop_id, &self.filter)
            .await
            .gql()?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
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

    /// Members of the caller's shop, oldest first, a page at a time.
    #[graphql(
        guard = "RoleGuard(Role::Read)",
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity"
    )]
    async fn members(
        &self,
        ctx: &Context<'_>,
        filter: Option<MemberFilter>,
        saved: Option<SavedFilter>,
        #[graphql(desc = "page size, at most 100; default 20")] first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<MemberConnection> {
        let shop_id = principal(ctx)?.shop_id;
        let mut filter = filter.unwrap_or_default().into_domain()?;
        match saved {
            None | Some(SavedFilter::All) => {}
            Some(SavedFilter::Registered) => filter.registered = Some(true),
            Some(SavedFilter::NotRegistered) => filter.registered = Some(false),
            Some(_) => {
                return Err(DomainError::NotImplemented("purchase-based saved filters")).gql();
            }
        }
        let limit = page_size(first).gql()?;
        let after = decode::<members::MemberCursor>(after.as_deref())?;
        let page = members::page(&domain(ctx).db, shop_id, &filter, after, limit)
            .await
            .gql()?;
        let cursors: Vec<String> = page.items.iter().map(|(k, _)| encode(*k)).collect();
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
            shop_id,
            filter,
        })
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

    /// Registers customers as members; returns how many were newly registered. Every id
    /// must be a customer of the shop, or nothing changes.
    #[graphql(guard = "RoleGuard(Role::Channel)")]
    async fn register_members(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<i64> {
        let shop_id = principal(ctx)?.shop_id;
        let ids = ids
            .iter()
            .map(|id| parse_id("ids", id))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        let n = members::register(domain(ctx), shop_id, &ids).await.gql()?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
