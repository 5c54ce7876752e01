//! Voucher codes: 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
//! about 59 random bits: unguessable, and easy to read out at a till.
use rand::Rng;

const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const LEN: usize = 12;

/// A new random code.
pub fn generate() -> String {
    let mut rng = rand::rng();
    (0..LEN)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

pub use crate::typed_code::normalize;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_distinct_and_normalize() {
        let a = generate();
        assert_eq!(a.len(), LEN);
        assert_ne!(a, generate());
        assert!(!a.contains('0') && !a.contains('O') && !a.contains('I'));
        assert_eq!(normalize(" abcd-efgh 2345"), "ABCDEFGH2345");
    }
}
