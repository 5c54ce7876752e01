//! The one place domain errors become GraphQL errors with a contract code.
//!
//! async-graphql turns any `Display` into an error without a code when `?` is used, so
//! resolvers convert explicitly with [`Gql::gql`]. Errors raised by async-graphql itself
//! (parse, validation, limits) get their code in [`assign_codes`] before the response
//! leaves the server, so every error a client sees has `extensions.code`.
use async_graphql::{Error, ErrorExtensions, Response, ServerError};
use loyalty_domain::DomainError;

/// The error codes of the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// No valid key.
    Unauthenticated,
    /// The key's role may not do this.
    Forbidden,
    /// Not in the caller's shop.
    NotFound,
    /// Malformed or rule-breaking input.
    BadUserInput,
    /// Contradicts existing state.
    Conflict,
    /// Not enough available points.
    InsufficientPoints,
    /// A size, depth, complexity or count limit.
    LimitExceeded,
    /// Our fault; details are in the server log.
    Internal,
}

impl Code {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Conflict => "CONFLICT",
            Code::InsufficientPoints => "INSUFFICIENT_POINTS",
            Code::LimitExceeded => "LIMIT_EXCEEDED",
            Code::Internal => "INTERNAL",
        }
    }

    /// An error with this code and message.
    pub fn error(self, message: impl Into<String>) -> Error {
        Error::new(message).extend_with(|_, e| e.set("code", self.as_str()))
    }
}

/// Maps a domain error to its GraphQL form; internal failures are logged and hidden.
pub fn to_gql(err: DomainError) -> Error {
    match err {
        DomainError::Unauthenticated => Code::Unauthenticated.error(err.to_string()),
        DomainError::Forbidden(m) => Code::Forbidden.error(m),
        DomainError::NotFound(m) => Code::NotFound.error(m),
        DomainError::InvalidInput { field, message } => Error::new(message).extend_with(|_, e| {
            e.set("code", Code::BadUserInput.as_str());
            if let Some(field) = &field {
                e.set("field", field.as_str());
            }
        }),
        DomainError::Conflict(m) => Code::Conflict.error(m),
        DomainError::InsufficientPoints {
            requested,
            available,
        } => Error::new(err.to_string()).extend_with(|_, e| {
            e.set("code", Code::InsufficientPoints.as_str());
            e.set("requested", requested);
            e.set("available", available);
        }),
        DomainError::LimitExceeded(m) => Code::LimitExceeded.error(m),
        // The contract's codes have none for "the server is not set up for this"; the
        // request conflicts with the server's state, and `reason` tells it apart.
        DomainError::Unconfigured(m) => Error::new(m).extend_with(|_, e| {
            e.set("code", Code::Conflict.as_str());
            e.set("reason", "SERVER_NOT_CONFIGURED");
        }),
        // A provider's refusal conflicts with nothing the caller sent wrong in GraphQL
        // terms; `reason` tells it apart and `providerCode` carries the provider's code.
        DomainError::Provider {
            code,
            message,
            retryable,
        } => Error::new(format!("the provider answered {code}: {message}")).extend_with(|_, e| {
            e.set("code", Code::Conflict.as_str());
            e.set("reason", "PROVIDER_ERROR");
            e.set("providerCode", code.as_str());
            e.set("retryable", retryable);
        }),
        DomainError::Db(e) => {
            tracing::error!(error = %e, "database error");
            Code::Internal.error("internal error")
        }
        DomainError::Internal(m) => {
            tracing::error!(error = %m, "internal error");
            Code::Internal.error("internal error")
        }
    }
}

/// Converts a domain result into a GraphQL result that keeps the error code.
pub trait Gql<T> {
    /// See the trait.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> Gql<T> for Result<T, DomainError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}

/// Gives a code to every error that has none: those async-graphql raised while parsing
/// or validating the request, or while converting an input value.
pub fn assign_codes(response: &mut Response) {
    for error in &mut response.errors {
        assign_code(error);
    }
}

fn assign_code(error: &mut ServerError) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if has_code {
        return;
    }
    if let Some(hinted) = crate::input_hints::with_hint(&error.message) {
        error.message = hinted;
    }
    let message = error.message.as_str();
    let code = if message.contains("too complex")
        || message.contains("nested too deep")
        || message.contains("too many")
        || message.contains("recursion")
    {
        Code::LimitExceeded
    } else {
        Code::BadUserInput
    };
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
}
