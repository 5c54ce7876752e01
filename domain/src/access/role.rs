//! The roles a shop key can have.
use crate::{DomainError, Result};

/// What a key may do inside its shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Configures the program, tiers, offers and keys; everything CHANNEL and READ may do.
    Admin,
    /// Pushes customers and orders, quotes and redeems; reads.
    Channel,
    /// Queries only.
    Read,
}

impl Role {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Channel => "CHANNEL",
            Role::Read => "READ",
        }
    }

    /// Reads a stored role.
    pub fn parse(raw: &str) -> Result<Self> {
        match raw {
            "ADMIN" => Ok(Role::Admin),
            "CHANNEL" => Ok(Role::Channel),
            "READ" => Ok(Role::Read),
            other => Err(DomainError::Internal(format!(
                "unknown stored role '{other}'"
            ))),
        }
    }

    /// Whether a key with this role may do what `needed` allows.
    pub fn allows(self, needed: Role) -> bool {
        match needed {
            Role::Read => true,
            Role::Channel => matches!(self, Role::Admin | Role::Channel),
            Role::Admin => self == Role::Admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        assert!(Role::Admin.allows(Role::Channel));
        assert!(Role::Channel.allows(Role::Read));
        assert!(!Role::Channel.allows(Role::Admin));
        assert!(!Role::Read.allows(Role::Channel));
        for r in [Role::Admin, Role::Channel, Role::Read] {
            assert_eq!(Role::parse(r.as_str()).ok(), Some(r));
        }
    }
}
