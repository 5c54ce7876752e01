//! The one error type of the domain. It carries no GraphQL: the API maps it to codes.
use sea_orm::DbErr;

/// Anything a domain service can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// No credentials, or credentials that match no key.
    #[error("missing or invalid API key")]
    Unauthenticated,
    /// The caller is known but its role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing named does not exist in the caller's shop.
    #[error("{0}")]
    NotFound(String),
    /// The input is malformed or breaks a rule; `field` names the input field when one is to blame.
    #[error("{message}")]
    InvalidInput {
        /// The input field at fault, in the API's spelling.
        field: Option<String>,
        /// What is wrong, in words a merchant understands.
        message: String,
    },
    /// The request contradicts existing state (a duplicate, a replay with other content).
    #[error("{0}")]
    Conflict(String),
    /// The member's available balance cannot cover the points asked for.
    #[error("insufficient points: {requested} requested, {available} available")]
    InsufficientPoints {
        /// Points the request needs.
        requested: i64,
        /// Points available when the request was checked.
        available: i64,
    },
    /// This server lacks a setting the request needs (`LOYALTY_SECRET_KEY` to store a
    /// secret); the operator, not the caller, can fix it.
    #[error("{0}")]
    Unconfigured(String),
    /// A messaging provider (Zalo, an SMTP server, an SMS gateway) refused or did not
    /// answer; `code` is its own (`-108`) or ours (`TRANSPORT`, `HTTP_500`).
    #[error("the provider answered {code}: {message}")]
    Provider {
        /// The provider's code.
        code: String,
        /// Its words.
        message: String,
        /// Whether trying again later may work (a network failure, not a bad phone).
        retryable: bool,
    },
    /// A size or count limit was exceeded.
    #[error("{0}")]
    LimitExceeded(String),
    /// The database failed; details are logged, not shown to clients.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// Stored data that should be impossible (a corrupt setting, a broken invariant).
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    /// An [`DomainError::InvalidInput`] blaming `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

/// The domain's result type.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;
