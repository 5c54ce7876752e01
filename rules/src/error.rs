//! Why a rule's arguments were refused.

/// A refused rule configuration; messages name the argument and say what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// No rule kind has this name.
    #[error("unknown rule kind '{0}'")]
    UnknownKind(String),
    /// A required argument is missing.
    #[error("{kind}: argument '{arg}' is required")]
    Missing {
        /// The rule kind.
        kind: &'static str,
        /// The argument.
        arg: &'static str,
    },
    /// An argument has the wrong type or an impossible value.
    #[error("{kind}: argument '{arg}' {problem}")]
    Invalid {
        /// The rule kind.
        kind: &'static str,
        /// The argument.
        arg: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The offer as a whole does not make sense (no discount, two discounts, ...).
    #[error("{0}")]
    Offer(String),
}
