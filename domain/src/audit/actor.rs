//! Who made a change.
use uuid::Uuid;

/// The caller of an audited change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A shop's API key (ADMIN or CHANNEL), by its id.
    Key(Uuid),
    /// The operator: the operator token or the `loyalty` command line.
    Operator,
}

impl Actor {
    /// As stored in `audit_log.actor`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Key(_) => "KEY",
            Self::Operator => "OPERATOR",
        }
    }

    /// The key, for a key.
    pub fn key_id(&self) -> Option<Uuid> {
        match self {
            Self::Key(id) => Some(*id),
            Self::Operator => None,
        }
    }
}
