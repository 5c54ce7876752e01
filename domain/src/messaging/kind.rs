//! A channel's identity and what it needs of a member, read from its [`ChannelSpec`].
use crate::{DomainError, Result};
use loyalty_entities::member;
use sea_orm::sea_query::Condition;

pub use super::registry::ChannelKind;

impl ChannelKind {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        self.spec().name()
    }

    /// Reads the stored spelling.
    pub fn parse(raw: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| DomainError::Internal(format!("unknown channel {raw}")))
    }

    /// Where a message to `member` goes on this channel, if the member has such an address.
    pub fn address(self, member: &member::Model) -> Option<String> {
        self.spec().address(member)
    }

    /// [`ChannelKind::address`] as SQL on `members`: the member has an address here.
    pub fn has_address(self) -> Condition {
        self.spec().has_address()
    }

    /// Why a member without an address is skipped.
    pub fn skip_reason(self) -> &'static str {
        self.spec().skip_reason()
    }
}

/// Helpers the channels' specs share.
pub(crate) mod columns {
    use loyalty_entities::member;
    use sea_orm::ColumnTrait;
    use sea_orm::sea_query::{Condition, Expr, ExprTrait};

    /// `column` is set and not empty.
    pub fn present(column: member::Column) -> Condition {
        Condition::all()
            .add(column.is_not_null())
            .add(Expr::col((member::Entity, column)).ne(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_read_back() {
        for k in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(k.as_str()).ok(), Some(*k));
        }
        let mut names: Vec<_> = ChannelKind::ALL.iter().map(|k| k.as_str()).collect();
        names.dedup();
        assert_eq!(names.len(), ChannelKind::ALL.len());
        assert!(ChannelKind::parse("FAX").is_err());
    }
}
