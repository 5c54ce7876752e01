//! Who is calling: the operator, a shop key with a role, or nobody; and the guards that
//! check it on every operation.
use crate::error::{Code, Gql};
use async_graphql::{Context, Guard};
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

    fn matches(&self, presented: &str) -> bool {
        self.0.is_some_and(|d| d == digest(presented))
    }
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// Resolves the caller from a raw `Authorization` header value.
pub async fn resolve(ctx: &Ctx, operator: &OperatorToken, header: Option<&str>) -> Caller {
    let Some(token) = header
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return if header.is_some() {
            Caller::Invalid
        } else {
            Caller::Anonymous
        };
    };
    if operator.matches(token) {
        return Caller::Operator;
    }
    match access::authenticate(ctx, token).await {
        Ok(p) => Caller::Shop(p),
        Err(DomainError::Unauthenticated) => Caller::Invalid,
        Err(e) => {
            tracing::error!(error = %e, "authentication failed");
            Caller::Invalid
        }
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
        match ctx.data_opt::<Caller>() {
            Some(Caller::Operator) => Ok(()),
            Some(Caller::Shop(_)) => {
                Err(Code::Forbidden.error("only the operator token may create shops"))
            }
            _ => Err(Code::Unauthenticated.error("the operator token is required")),
        }
    }
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
