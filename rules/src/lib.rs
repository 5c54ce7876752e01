//! Pure pricing rules.
