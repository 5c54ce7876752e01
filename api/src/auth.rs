//! Who is calling: the operator, a shop key with a role, a member token, or nobody; and
//! the guards that check it on every operation.
use crate::error::Code;
use async_graphql::{Context, Guard};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use loyalty_domain::access::{self, Principal, Role};
use loyalty_domain::sessions::{self, MemberPrincipal};
use loyalty_domain::{Ctx, DomainError};
use sha2::{Digest, Sha256};

/// The caller of one request, resolved once from its `Authorization` header.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No credentials.
    Anonymous,
    /// Credentials that match nothing.
    Invalid,
    /// An `Authorization` header of another scheme than `Bearer`, or without a token.
    NotBearer,
    /// The operator token: may create shops, nothing else.
    Operator,
    /// A shop key.
    Shop(Principal),
    /// A member session's token: sees its one member through `me`, `myRewards` and
    /// `redeemMyReward` only (see [`MemberGuard`] and `graphql::member_scope`).
    Member(MemberPrincipal),
    /// A member token that is unknown, expired or revoked: the member signs in again.
    SessionEnded,
}

/// What a member token whose session ended is told (the widget asks the member to sign in).
const SESSION_ENDED: &str =
    "the member session is unknown, expired or revoked: sign in again for a new one";

/// What a member token is told outside its three fields.
const MEMBER_SCOPE: &str =
    "a member token may only use `me`, `myRewards`, `redeemMyReward` and `widgetSettings`";

/// The operator token as configured, kept as a digest so comparison time says nothing.
#[derive(Clone, Default)]
pub struct OperatorToken(Option<[u8; 32]>);

impl OperatorToken {
    /// From the configured plaintext; empty means none.
    pub fn new(token: Option<&str>) -> Self {
        Self(token.filter(|t| !t.is_empty()).map(digest))
    }

    /// Whether `presented` is the token.
    pub fn matches(&self, presented: &str) -> bool {
        self.0.is_some_and(|d| d == digest(presented))
    }

    /// Whether a token is configured.
    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// What a client sends when it sends no key, in every message that asks for one.
pub const HOW_TO_SEND_A_KEY: &str = "send the header `Authorization: Bearer <key>`";

/// The token of an `Authorization: Bearer <token>` header value. The scheme is matched
/// in any case (`bearer`, `BEARER`), as RFC 7235 has it; `None` for another scheme or
/// an empty token. Every reader of the header (keys, the operator token, the metrics
/// token, admission's shop bucket) goes through this.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim_start().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Resolves the caller from a raw `Authorization` header value. A key that could not be
/// checked (the database failed) is [`Unchecked`], not [`Caller::Invalid`]: it may well
/// be valid, and partners take `UNAUTHENTICATED` as final.
pub async fn resolve(
    ctx: &Ctx,
    operator: &OperatorToken,
    header: Option<&str>,
) -> Result<Caller, Unchecked> {
    let Some(token) = header.and_then(bearer_token) else {
        return Ok(if header.is_some() {
            Caller::NotBearer
        } else {
            Caller::Anonymous
        });
    };
    if operator.matches(token) {
        return Ok(Caller::Operator);
    }
    if sessions::token::is_member_token(token) {
        return match sessions::authenticate(ctx, token).await {
            Ok(p) => Ok(Caller::Member(p)),
            Err(DomainError::Unauthenticated) => Ok(Caller::SessionEnded),
            Err(e) => {
                tracing::error!(error = %e, "member session lookup failed");
                Err(Unchecked)
            }
        };
    }
    match access::authenticate(ctx, token).await {
        Ok(p) => Ok(Caller::Shop(p)),
        Err(DomainError::Unauthenticated) => Ok(Caller::Invalid),
        Err(e) => {
            tracing::error!(error = %e, "API key lookup failed");
            Err(Unchecked)
        }
    }
}

/// A presented key that could not be checked because the key lookup failed. The request
/// is refused before it runs as retryable: 503 with `Retry-After` and the `INTERNAL` code.
#[derive(Debug, Clone, Copy)]
pub struct Unchecked;

/// Seconds a client should wait before retrying a request whose key could not be checked.
pub const RETRY_AFTER_SECS: u32 = 1;

impl IntoResponse for Unchecked {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"errors": [{
            "message": "the API key could not be checked (the database is unavailable); \
                        retry the request shortly",
            "extensions": {"code": Code::Internal.as_str()},
        }]});
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        response
    }
}

/// Requires a shop key whose role allows `Role`.
pub struct RoleGuard(pub Role);

/// What a field guarded by `RoleGuard(role)` says it needs, in its description and in
/// its refusal; `api/tests/schema.rs` checks every guarded field's description against
/// this, so the schema cannot say one thing and the guard do another.
pub fn requirement(role: Role) -> &'static str {
    match role {
        Role::Admin => "Requires: ADMIN.",
        Role::Channel => "Requires: CHANNEL or ADMIN.",
        Role::Read => "Requires: READ, CHANNEL or ADMIN (any shop key).",
    }
}

/// What a field guarded by the operator token says it needs.
pub const OPERATOR_REQUIREMENT: &str = "Requires: the operator token.";

/// What the description of a member's own field says (`me`, `myRewards`, …).
pub const MEMBER_REQUIREMENT: &str = "Requires: a member token (`createMemberSession`).";

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        principal(ctx).and_then(|p| {
            if p.role.allows(self.0) {
                Ok(())
            } else {
                Err(Code::Forbidden.error(format!(
                    "a {} key cannot do this; it needs {} ({})",
                    p.role.as_str(),
                    self.0.as_str(),
                    requirement(self.0)
                )))
            }
        })
    }
}

/// Requires the operator token.
pub struct OperatorGuard;

impl Guard for OperatorGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        refuse_without_operator(ctx)?;
        match ctx.data_opt::<Caller>() {
            Some(Caller::Operator) => Ok(()),
            Some(Caller::Shop(_)) => {
                Err(Code::Forbidden.error("only the operator token may create shops"))
            }
            Some(Caller::Member(_)) => Err(Code::Forbidden.error(MEMBER_SCOPE)),
            _ => Err(Code::Unauthenticated.error("the operator token is required")),
        }
    }
}

/// `FORBIDDEN`, naming the field, when this server has no operator token: nobody may
/// call an operator's field, and saying so beats `UNAUTHENTICATED` for a token that could
/// never be right. Servers built without the token's state in the request (unit tests of
/// the schema) skip this check.
pub fn refuse_without_operator(ctx: &Context<'_>) -> async_graphql::Result<()> {
    if ctx.data_opt::<OperatorToken>().is_some_and(|o| !o.is_set()) {
        let field = &ctx.item.node.name.node;
        return Err(Code::Forbidden.error(format!(
            "{field} is disabled: set LOYALTY_OPERATOR_TOKEN on the server and send it as \
             the bearer token"
        )));
    }
    Ok(())
}

/// The calling shop key; `UNAUTHENTICATED` or `FORBIDDEN` (operator) otherwise.
pub fn principal(ctx: &Context<'_>) -> async_graphql::Result<Principal> {
    match ctx.data_opt::<Caller>() {
        Some(Caller::Shop(p)) => Ok(*p),
        Some(Caller::Operator) => {
            Err(Code::Forbidden.error("the operator token may only create shops; use a shop key"))
        }
        Some(Caller::NotBearer) => Err(Code::Unauthenticated.error(format!(
            "the Authorization header is not a Bearer key: {HOW_TO_SEND_A_KEY}"
        ))),
        Some(Caller::Invalid) => Err(Code::Unauthenticated.error(
            "the API key matches no active key (mistyped, revoked, or made for another database)",
        )),
        Some(Caller::Member(_)) => Err(Code::Forbidden.error(MEMBER_SCOPE)),
        Some(Caller::SessionEnded) => Err(Code::Unauthenticated.error(SESSION_ENDED)),
        _ => Err(Code::Unauthenticated.error(format!("no API key: {HOW_TO_SEND_A_KEY}"))),
    }
}

/// Requires a member token.
pub struct MemberGuard;

impl Guard for MemberGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        member(ctx).map(|_| ())
    }
}

/// The calling member token: `FORBIDDEN` for a shop key or the operator (the field is
/// the member's own), `UNAUTHENTICATED` otherwise.
pub fn member(ctx: &Context<'_>) -> async_graphql::Result<MemberPrincipal> {
    match ctx.data_opt::<Caller>() {
        Some(Caller::Member(p)) => Ok(*p),
        Some(Caller::Shop(_) | Caller::Operator) => Err(Code::Forbidden.error(
            "only a member token (createMemberSession) has a `me`; a shop key reads members \
             with `member(id)`",
        )),
        Some(Caller::SessionEnded) => Err(Code::Unauthenticated.error(SESSION_ENDED)),
        _ => Err(Code::Unauthenticated.error("a member token is required")),
    }
}

/// What the description of a field for shop keys and member tokens alike says.
pub const SHOP_OR_MEMBER_REQUIREMENT: &str =
    "Requires: any shop key, or a member token of the shop.";

/// Requires a shop key of any role or a member token ([`shop_of_caller`]).
pub struct ShopOrMemberGuard;

impl Guard for ShopOrMemberGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        shop_of_caller(ctx).map(|_| ())
    }
}

/// The shop of the caller, shop key or member token alike: for the few fields both may
/// read (`widgetSettings`).
pub fn shop_of_caller(ctx: &Context<'_>) -> async_graphql::Result<uuid::Uuid> {
    match ctx.data_opt::<Caller>() {
        Some(Caller::Member(p)) => Ok(p.shop_id),
        _ => principal(ctx).map(|p| p.shop_id),
    }
}

/// The domain context of the schema.
pub fn domain<'a>(ctx: &'a Context<'_>) -> &'a Ctx {
    ctx.data_unchecked::<Ctx>()
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_scheme_is_read_in_any_case() {
        for h in [
            "Bearer k",
            "bearer k",
            "BEARER k",
            "  bEaReR   k  ",
            "Bearer\tk",
        ] {
            assert_eq!(bearer_token(h), Some("k"), "{h:?}");
        }
        for h in ["Basic k", "Bearer", "Bearer   ", "Bearerk", "k", ""] {
            assert_eq!(bearer_token(h), None, "{h:?}");
        }
    }
}
