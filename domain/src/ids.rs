//! Identifiers: UUID v7, so keys sort by creation time and pages stay stable.
use uuid::Uuid;

/// A new time-ordered id.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Parses an id given by a client; `field` names the input for the error.
pub fn parse_id(field: &str, raw: &str) -> crate::Result<Uuid> {
    Uuid::parse_str(raw.trim())
        .map_err(|_| crate::DomainError::invalid(field, format!("'{raw}' is not a valid id")))
}
