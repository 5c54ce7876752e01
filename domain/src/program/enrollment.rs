//! Who takes part in the program (seed 002: the member profile lists the customers who
//! were activated; the others are customers, not members).
//!
//! Whatever the setting, every customer's orders are recorded and counted: totals, last
//! purchase and ranking spend, so the tier a customer's spend reaches is known. The
//! setting decides who gets the program's benefits: the tier discount, earning points and
//! paying with them. [`super::Policy::benefits_tier`] is where that is decided, for the
//! quote and for both write paths of an order.
use crate::{DomainError, Result};

/// Who gets the program's benefits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrollment {
    /// Registered members only (`upsertMember(register: true)`, `registerMembers`): the
    /// default of a new program.
    MembersOnly,
    /// Every customer, registered or not: how programs worked before the setting existed,
    /// and what the migration that added it gave the programs of that time.
    AllCustomers,
}

/// The reason a quote gives, and an order's refusal starts with, when the customer gets
/// no benefits because it is not a registered member.
pub const NOT_A_MEMBER: &str = "not a member";

impl Enrollment {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Enrollment::MembersOnly => "MEMBERS_ONLY",
            Enrollment::AllCustomers => "ALL_CUSTOMERS",
        }
    }

    /// Reads a stored value.
    pub fn parse(raw: &str) -> Result<Self> {
        match raw {
            "MEMBERS_ONLY" => Ok(Enrollment::MembersOnly),
            "ALL_CUSTOMERS" => Ok(Enrollment::AllCustomers),
            other => Err(DomainError::Internal(format!(
                "stored program enrollment '{other}' is unknown"
            ))),
        }
    }

    /// Whether a customer, registered or not, gets the program's benefits.
    pub fn admits(self, registered: bool) -> bool {
        registered || self == Enrollment::AllCustomers
    }
}

/// Why a customer who is not a member cannot pay with points, for `field`.
pub fn not_a_member(field: &str) -> DomainError {
    DomainError::invalid(
        field,
        format!(
            "{NOT_A_MEMBER}: only registered members earn and redeem points; register the customer first"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_members_take_part_unless_every_customer_does() {
        assert!(Enrollment::MembersOnly.admits(true));
        assert!(!Enrollment::MembersOnly.admits(false));
        assert!(Enrollment::AllCustomers.admits(true));
        assert!(Enrollment::AllCustomers.admits(false));
    }

    #[test]
    fn stored_values_round_trip() {
        for e in [Enrollment::MembersOnly, Enrollment::AllCustomers] {
            assert_eq!(Enrollment::parse(e.as_str()).ok(), Some(e));
        }
        assert!(Enrollment::parse("EVERYONE").is_err());
    }
}
