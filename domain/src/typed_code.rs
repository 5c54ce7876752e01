//! Codes as cashiers and customers type them: a voucher's or an offer's public code are
//! matched alike, so both modules take the one normalization from here.

/// Longest code a cashier may type, spaces and dashes included.
pub const MAX_TYPED_CODE: usize = 64;

/// A code as typed ("abcd-efgh ijkm") in its stored form ("ABCDEFGHIJKM").
pub fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
