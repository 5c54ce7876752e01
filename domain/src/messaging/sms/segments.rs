//! How many SMS segments a text takes, and in which encoding (3GPP TS 23.038).
//!
//! A text made only of the GSM 03.38 alphabet travels in 7-bit units: 160 in one
//! message, 153 per segment once it must be split (the rest carries the concatenation
//! header); a character of the extension table (`€`, `[`, `{`, …) takes two units. Any
//! other character (most Vietnamese letters with diacritics: ă, ơ, ư, ệ, đ…) makes the
//! whole text UCS-2: 70 UTF-16 units in one message, 67 per segment. Gateways bill per
//! segment, so the estimate and the charge count them this way.
use serde::{Deserialize, Serialize};

/// The encoding a text travels in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encoding {
    /// The GSM 03.38 7-bit alphabet.
    Gsm7,
    /// UTF-16 (UCS-2 with surrogate pairs), for anything else.
    Ucs2,
}

/// A text's encoding and its length in that encoding's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// The encoding it needs.
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    /// Segments it is billed as (at least 1, even for an empty text).
    pub segments: usize,
}

/// The GSM 03.38 basic alphabet (one septet each).
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table, reached with an escape septet (two septets each).
const EXTENSION: &str = "\u{000C}^{}\\[~]|€";

fn septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Measures `text`.
pub fn measure(text: &str) -> Measure {
    let gsm: Option<Vec<usize>> = text.chars().map(septets).collect();
    match gsm {
        Some(units) => Measure {
            encoding: Encoding::Gsm7,
            units: units.iter().sum(),
            segments: count(&units, 160, 153),
        },
        None => {
            let units: Vec<usize> = text.chars().map(char::len_utf16).collect();
            Measure {
                encoding: Encoding::Ucs2,
                units: units.iter().sum(),
                segments: count(&units, 70, 67),
            }
        }
    }
}

/// Segments of a text whose characters take `units` each: one message up to `single`,
/// else segments of `part`, never splitting a character (an escaped GSM character or a
/// surrogate pair) across two segments, as phones reassemble them.
fn count(units: &[usize], single: usize, part: usize) -> usize {
    let total: usize = units.iter().sum();
    if total <= single {
        return 1;
    }
    let mut segments = 1;
    let mut used = 0;
    for &u in units {
        if used + u > part {
            segments += 1;
            used = 0;
        }
        used += u;
    }
    segments
}

/// `text` without Vietnamese diacritics (`Chào Đức` becomes `Chao Duc`), case and
/// spacing kept: what a merchant's "no diacritics" SMS sends, so that it travels as
/// GSM-7 at 160 characters a segment instead of 70.
pub fn without_diacritics(text: &str) -> String {
    crate::members::name_fold::strip_diacritics(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm7_lengths_and_segments() {
        let m = measure(&"a".repeat(160));
        assert_eq!((m.encoding, m.units, m.segments), (Encoding::Gsm7, 160, 1));
        assert_eq!(measure(&"a".repeat(161)).segments, 2);
        assert_eq!(measure(&"a".repeat(306)).segments, 2);
        assert_eq!(measure(&"a".repeat(307)).segments, 3);
        assert_eq!(measure("").segments, 1);
        // `€` takes two septets: 80 of them fill one message exactly.
        assert_eq!(measure(&"€".repeat(80)).units, 160);
        assert_eq!(measure(&"€".repeat(80)).segments, 1);
        // An escaped character is not split: 152 septets, then `€` opens segment 2.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(10));
        assert_eq!(measure(&text).segments, 2);
    }

    #[test]
    fn vietnamese_with_diacritics_is_ucs2() {
        let m = measure("Chào chị Lan, ưu đãi 50.000đ dành riêng cho bạn");
        assert_eq!(m.encoding, Encoding::Ucs2);
        assert_eq!(m.segments, 1);
        assert_eq!(measure(&"ư".repeat(70)).segments, 1);
        assert_eq!(measure(&"ư".repeat(71)).segments, 2);
        assert_eq!(measure(&"ư".repeat(134)).segments, 2);
        assert_eq!(measure(&"ư".repeat(135)).segments, 3);
        // A character outside the BMP is two UTF-16 units and never split: 134 units
        // would fill two segments of 67, but the pair cannot straddle them.
        assert_eq!(measure("🎁").units, 2);
        let text = format!("{}🎁{}", "ư".repeat(66), "ư".repeat(66));
        assert_eq!(measure(&text).units, 134);
        assert_eq!(measure(&text).segments, 3);
    }

    #[test]
    fn folding_makes_vietnamese_gsm7() {
        let folded = without_diacritics("Chào chị Lan, ưu đãi 50.000đ từ Cửa hàng ĐÔNG");
        assert_eq!(folded, "Chao chi Lan, uu dai 50.000d tu Cua hang DONG");
        assert_eq!(measure(&folded).encoding, Encoding::Gsm7);
    }
}
