//! The kinds of ledger entries.
use crate::{DomainError, Result};

/// Why points moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LedgerKind {
    /// Earned on a paid order (credit).
    Earn,
    /// Spent at checkout (debit).
    Redeem,
    /// Expired (debit).
    Expire,
    /// Added or removed by hand.
    Adjust,
    /// A refund's effect: earned points taken back (debit), redeemed points given back
    /// (credit), or a refund's shortfall repaid from later credits (debit).
    Reverse,
    /// Opening balance from an import (credit).
    Import,
    /// Spent on a reward (debit).
    Reward,
}

impl LedgerKind {
    /// Stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Earn => "EARN",
            LedgerKind::Redeem => "REDEEM",
            LedgerKind::Expire => "EXPIRE",
            LedgerKind::Adjust => "ADJUST",
            LedgerKind::Reverse => "REVERSE",
            LedgerKind::Import => "IMPORT",
            LedgerKind::Reward => "REWARD",
        }
    }

    /// Reads a stored kind.
    pub fn parse(raw: &str) -> Result<Self> {
        Ok(match raw {
            "EARN" => LedgerKind::Earn,
            "REDEEM" => LedgerKind::Redeem,
            "EXPIRE" => LedgerKind::Expire,
            "ADJUST" => LedgerKind::Adjust,
            "REVERSE" => LedgerKind::Reverse,
            "IMPORT" => LedgerKind::Import,
            "REWARD" => LedgerKind::Reward,
            other => {
                return Err(DomainError::Internal(format!(
                    "stored ledger kind '{other}'"
                )));
            }
        })
    }
}
