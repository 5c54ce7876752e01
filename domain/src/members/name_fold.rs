//! Folding Vietnamese names for keyword search: "Nguyễn Văn Đức" becomes "nguyen van duc".
//!
//! Search compares folded text on both sides, so "nguyen van" finds "Nguyễn Văn" on
//! SQLite and PostgreSQL alike without database extensions (no `unaccent` needed).
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases, strips diacritics (đ becomes d) and collapses white space.
pub fn fold(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .collect::<String>()
        .to_lowercase();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
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
