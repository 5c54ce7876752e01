//! Who is calling: the operator, a shop key with a role, or nobody; and the guards that
//! check it on every operation.
use crate::error::{Code, Gql};
use async_graphql::{Context, Guard};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use loyalty_domain::access::{self, Principal, Role};
use loyalty_domain::{Ctx, DomainError};
use sha2::{Digest, Sha256};

/// The caller of one request, resolved once from its `Authorization` header.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No credentials.
    Anonymous,
    /// Credentials that match nothing.
    Invalid,
    /// The operator token: may create shops, nothing else.
    Operator,
    /// A shop key.
    Shop(Principal),
}

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

/// Resolves the caller from a raw `Authorization` header value. A key that could not be
/// checked (the database failed) is [`Unchecked`], not [`Caller::Invalid`]: it may well
/// be valid, and partners take `UNAUTHENTICATED` as final.
pub async fn resolve(
    ctx: &Ctx,
    operator: &OperatorToken,
    header: Option<&str>,
) -> Result<Caller, Unchecked> {
    let Some(token) = header
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return Ok(if header.is_some() {
            Caller::Invalid
        } else {
            Caller::Anonymous
        });
    };
    if operator.matches(token) {
        return Ok(Caller::Operator);
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

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        principal(ctx).and_then(|p| {
            if p.role.allows(self.0) {
                Ok(())
            } else {
                Err(Code::Forbidden.error(format!(
                    "a {} key cannot do this; it needs {}",
                    p.role.as_str(),
                    self.0.as_str()
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
        _ => Err(DomainError::Unauthenticated).gql(),
    }
}

/// The domain context of the schema.
pub fn domain<'a>(ctx: &'a Context<'_>) -> &'a Ctx {
    ctx.data_unchecked::<Ctx>()
}
