//! E-mail addresses, lower-cased so that one address matches however it was typed.
use crate::{DomainError, Result};
use email_address::EmailAddress;

/// Lower-cases and validates an address (RFC 5322 syntax, with a dot in the domain).
pub fn normalize_email(raw: &str) -> Result<String> {
    let lowered = raw.trim().to_lowercase();
    let valid = EmailAddress::is_valid(&lowered)
        && lowered
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain.contains('.') && !domain.ends_with('.'));
    if !valid || lowered.len() > 254 {
        return Err(DomainError::invalid(
            "email",
            format!("'{raw}' is not a valid e-mail address"),
        ));
    }
    Ok(lowered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_validates() {
        assert_eq!(
            normalize_email(" An.Nguyen@Example.VN ").ok().as_deref(),
            Some("an.nguyen@example.vn")
        );
        for bad in ["", "an", "an@", "@x.vn", "an@localhost", "a n@x.vn"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
