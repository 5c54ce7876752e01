//! Phone numbers as merchants type them, normalized so that one customer is one number.
//!
//! Vietnamese numbers are kept in the national form `0xxxxxxxxx` that staff search by
//! (carrier and area prefixes); foreign numbers in E.164. libphonenumber's metadata
//! decides validity, since Vietnamese prefixes are renumbered from time to time.
use crate::{DomainError, Result};
use phonenumber::country::Id;

/// Normalizes `raw` ("+84 912 345 678", "84912345678", "0912.345.678") or explains why not.
pub fn normalize_phone(raw: &str) -> Result<String> {
    let trimmed = raw.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 8 || digits.len() > 15 {
        return Err(invalid(raw));
    }
    // "84912345678" is a Vietnamese number written with its country code but no '+'.
    let candidate = if !trimmed.starts_with('+') && digits.starts_with("84") && digits.len() >= 11 {
        format!("+{digits}")
    } else {
        trimmed.to_owned()
    };
    let number = phonenumber::parse(Some(Id::VN), &candidate).map_err(|_| invalid(raw))?;
    if !phonenumber::is_valid(&number) {
        return Err(invalid(raw));
    }
    if number.code().value() == 84 {
        Ok(format!("0{}", number.national().value()))
    } else {
        Ok(number.format().mode(phonenumber::Mode::E164).to_string())
    }
}

/// A stored phone in the international form without `+` that Zalo ZNS takes:
/// `0912345678` is `84912345678`, `+6591234567` is `6591234567`.
pub fn international_digits(stored: &str) -> String {
    match stored.strip_prefix('+') {
        Some(e164) => e164.to_owned(),
        None => match stored.strip_prefix('0') {
            Some(national) => format!("84{national}"),
            None => stored.to_owned(),
        },
    }
}

fn invalid(raw: &str) -> DomainError {
    DomainError::invalid(
        "phone",
        format!("'{raw}' is not a valid phone number (Vietnamese: 0912345678, +84 912 345 678)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_digits_for_zns() {
        assert_eq!(international_digits("0912345678"), "84912345678");
        assert_eq!(international_digits("+6591234567"), "6591234567");
    }

    #[test]
    fn vietnamese_forms_normalize_to_national() {
        for raw in [
            "0912345678",
            "+84 912 345 678",
            "84912345678",
            "+84912345678",
            "0912.345.678",
            " 091-234-5678 ",
            "(+84) 91 234 5678",
        ] {
            assert_eq!(
                normalize_phone(raw).ok().as_deref(),
                Some("0912345678"),
                "{raw}"
            );
        }
    }

    #[test]
    fn landlines_and_foreign_numbers() {
        assert_eq!(
            normalize_phone("028 3829 5555").ok().as_deref(),
            Some("02838295555")
        );
        assert_eq!(
            normalize_phone("+1 650 253 0000").ok().as_deref(),
            Some("+16502530000")
        );
    }

    #[test]
    fn rubbish_is_refused() {
        for raw in ["", "abc", "123", "0000000000", "+84 12", "09123456789999"] {
            assert!(normalize_phone(raw).is_err(), "{raw}");
        }
    }
}
