//! The channels a message can go through, and what each needs of a member.
use crate::members::phone::international_digits;
use crate::{DomainError, Result};
use loyalty_entities::member;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, sea_query::ExprTrait};

/// A messaging channel. Adding one (SMS, Messenger) means a variant here, its content
/// check, and a [`super::Channel`] transport; campaigns do not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// Zalo Notification Service: a registered template with parameters, to a phone.
    Zns,
    /// E-mail over SMTP.
    Email,
}

impl ChannelKind {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zns => "ZNS",
            Self::Email => "EMAIL",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(raw: &str) -> Result<Self> {
        match raw {
            "ZNS" => Ok(Self::Zns),
            "EMAIL" => Ok(Self::Email),
            other => Err(DomainError::Internal(format!("unknown channel {other}"))),
        }
    }

    /// Where a message to `member` goes on this channel, if the member has such an address.
    /// ZNS wants the international form without `+` (84xxxxxxxxx).
    pub fn address(self, member: &member::Model) -> Option<String> {
        match self {
            Self::Zns => member
                .phone
                .as_deref()
                .filter(|p| !p.is_empty())
                .map(international_digits),
            Self::Email => member.email.clone().filter(|e| !e.is_empty()),
        }
    }

    /// [`ChannelKind::address`] as SQL on `members`: the member has an address here. Counts
    /// (a campaign's estimate) use it; it must hold for exactly the members `address`
    /// returns an address for.
    pub fn has_address(self) -> Condition {
        let present = |c: member::Column| {
            Condition::all()
                .add(c.is_not_null())
                .add(Expr::col((member::Entity, c)).ne(""))
        };
        match self {
            Self::Zns => present(member::Column::Phone),
            Self::Email => present(member::Column::Email),
        }
    }

    /// Why a member without an address is skipped.
    pub fn skip_reason(self) -> &'static str {
        match self {
            Self::Zns => "NO_PHONE",
            Self::Email => "NO_EMAIL",
        }
    }
}
