//! Folding Vietnamese names for keyword search: "Nguyễn Văn Đức" becomes "nguyen van duc".
//!
//! Search compares folded text on both sides, so "nguyen van" finds "Nguyễn Văn" on
//! SQLite and PostgreSQL alike without database extensions (no `unaccent` needed).
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases, strips diacritics (đ becomes d) and collapses white space.
pub fn fold(text: &str) -> String {
    let stripped = strip_diacritics(text).to_lowercase();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Strips diacritics (đ becomes d, Đ becomes D), keeping case and spacing: the part of
/// [`fold`] that an SMS without diacritics shares with search.
pub fn strip_diacritics(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Nguyễn Văn  Đức"), "nguyen van duc");
        assert_eq!(fold("TRẦN THỊ Ánh"), "tran thi anh");
        assert_eq!(fold("đặng"), "dang");
    }
}
