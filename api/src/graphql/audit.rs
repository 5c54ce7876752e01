//! The audit trail (issue 33): `auditLog` for the shop, `Member.auditLog` for one member.
//! Both read rows by the shop's indexes, newest first, and are priced by `first`.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::connection::{PageInfo, decode, edges};
use crate::graphql::cost;
use crate::graphql::members::filter::DateTimeRange;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use loyalty_domain::access::Role;
use loyalty_domain::audit::{self, AuditFilter, AuditRow};
use loyalty_domain::ids::parse_id;
use loyalty_domain::paging::page_size;
use uuid::Uuid;

/// Longest action or target id a filter accepts.
const MAX_FILTER_TEXT: usize = 200;

/// Which audit rows to list; every part narrows.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Made with this API key (`ApiKey.id`).
    key_id: Option<ID>,
    /// This mutation (`adjustPoints`) or operator command (`cli:create-shop`).
    action: Option<String>,
    /// Touching this id (a member, an offer, an order...).
    target_id: Option<ID>,
    /// Made within this time range (`to` excluded).
    within: Option<DateTimeRange>,
}

impl AuditLogFilter {
    fn into_domain(self) -> async_graphql::Result<AuditFilter> {
        for (field, text) in [
            ("filter.action", self.action.as_deref()),
            (
                "filter.targetId",
                self.target_id.as_ref().map(|t| t.as_str()),
            ),
        ] {
            if text.is_some_and(|t| t.chars().count() > MAX_FILTER_TEXT) {
                return Err(loyalty_domain::DomainError::invalid(
                    field,
                    format!("at most {MAX_FILTER_TEXT} characters"),
                ))
                .gql();
            }
        }
        Ok(AuditFilter {
            key_id: self
                .key_id
                .map(|k| parse_id("filter.keyId", &k))
                .transpose()
                .gql()?,
            action: self.action,
            target_id: self.target_id.map(|t| t.trim().to_owned()),
            from: self.within.as_ref().and_then(|w| w.from),
            to: self.within.as_ref().and_then(|w| w.to),
        })
    }
}

/// One audited change.
pub struct AuditEntry(AuditRow);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// When it was made.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// `KEY` or `OPERATOR`.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The API key that made it; none for the operator.
    async fn key_id(&self) -> Option<ID> {
        self.0.actor_key_id.map(|k| ID(k.to_string()))
    }
    /// The mutation (`adjustPoints`) or operator command (`cli:create-shop`).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The ids it touched.
    async fn target_ids(&self) -> Vec<ID> {
        serde_json::from_str::<Vec<String>>(&self.0.targets)
            .unwrap_or_default()
            .into_iter()
            .map(ID)
            .collect()
    }
    /// Its input as JSON, without secrets or personal data.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// The HTTP request's `x-request-id`, to find it in the logs.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}

/// An edge of [`AuditEntryConnection`].
#[derive(SimpleObject)]
pub struct AuditEntryEdge {
    cursor: String,
    node: AuditEntry,
}

/// A page of audit rows, newest first.
#[derive(SimpleObject)]
pub struct AuditEntryConnection {
    edges: Vec<AuditEntryEdge>,
    page_info: PageInfo,
}

/// A page of `shop_id`'s rows.
pub async fn page(
    ctx: &Context<'_>,
    shop_id: Uuid,
    filter: AuditFilter,
    first: Option<i64>,
    after: Option<String>,
) -> async_graphql::Result<AuditEntryConnection> {
    let limit = page_size(first).gql()?;
    let after = decode::<Uuid>(after.as_deref())?;
    let page = audit::list(&domain(ctx).db, shop_id, &filter, limit, after)
        .await
        .gql()?;
    let (edges, page_info) = edges(page, |cursor, row| AuditEntryEdge {
        cursor,
        node: AuditEntry(row),
    });
    Ok(AuditEntryConnection { edges, page_info })
}

/// The audit query.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Who did what: every change made with an ADMIN or CHANNEL key or by the operator,
    /// newest first.
    ///
    /// Requires: ADMIN.
    #[graphql(
        guard = "RoleGuard(Role::Admin)",
        complexity = "cost::paged(first, child_complexity)"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        first: Option<i64>,
        after: Option<String>,
    ) -> async_graphql::Result<AuditEntryConnection> {
        let shop_id = principal(ctx)?.shop_id;
        let filter = filter.unwrap_or_default().into_domain()?;
        page(ctx, shop_id, filter, first, after).await
    }
}
