//! An SMS: a text template, sent as written (Vietnamese with diacritics travels as
//! UCS-2, 70 characters a segment) or folded to plain letters (GSM-7, 160 a segment).
use super::segments::{Encoding, Measure, measure, without_diacritics};
use crate::Result;
use crate::messaging::content::check_text;
use crate::messaging::spec::{Billable, ChannelContent};
use crate::messaging::template::{Vars, render};
use serde::{Deserialize, Serialize};

/// Longest SMS text template, characters: ten UCS-2 segments' worth and more, while a
/// merchant's slip (a pasted e-mail) is refused rather than billed as dozens of segments.
pub const MAX_TEMPLATE: usize = 1_000;

/// An SMS as the merchant wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsMessage {
    /// The text template over member fields.
    pub text: String,
    /// Send without diacritics (`Chào Đức` as `Chao Duc`), folded as member search folds
    /// names, so the message travels as GSM-7.
    #[serde(default)]
    pub fold_diacritics: bool,
}

/// An SMS filled in, with the encoding and segments it travels in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsFilled {
    /// The text as sent.
    pub text: String,
    /// Its encoding and length.
    pub measure: Measure,
}

impl SmsFilled {
    /// Whether it goes as Unicode (UCS-2).
    pub fn unicode(&self) -> bool {
        self.measure.encoding == Encoding::Ucs2
    }
}

/// Gateways bill an SMS per segment.
impl Billable for SmsFilled {
    fn segments(&self) -> i64 {
        i64::try_from(self.measure.segments).unwrap_or(i64::MAX)
    }
}

impl ChannelContent for SmsMessage {
    type Rendered = SmsFilled;

    fn validate(&self) -> Result<()> {
        check_text("sms.text", &self.text, MAX_TEMPLATE)
    }

    fn render(&self, vars: &Vars) -> Result<SmsFilled, String> {
        let text = render(&self.text, vars)?;
        let text = if self.fold_diacritics {
            without_diacritics(&text)
        } else {
            text
        };
        Ok(SmsFilled {
            measure: measure(&text),
            text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sms(text: &str, fold: bool) -> SmsMessage {
        SmsMessage {
            text: text.into(),
            fold_diacritics: fold,
        }
    }

    #[test]
    fn diacritics_cost_segments_unless_folded() {
        let text = "{{ shop }}: Chào {{ name }}, ưu đãi tháng này dành riêng cho thành viên \
                    hạng {{ tier }}, nhập mã {{ voucher_code }} trước ngày {{ voucher_expires }}";
        let vars = Vars::sample();
        let kept = sms(text, false)
            .render(&vars)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(kept.unicode());
        assert!(kept.text.contains("Nguyễn Văn An"));
        let folded = sms(text, true)
            .render(&vars)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!folded.unicode());
        assert!(
            folded
                .text
                .starts_with("Cua hang An: Chao Nguyen Van An, uu dai")
        );
        // 129 characters: two segments of 67 as UCS-2, one message of 160 as GSM-7.
        assert_eq!(kept.text.chars().count(), 129);
        assert_eq!(folded.text.chars().count(), 129);
        assert_eq!((kept.segments(), folded.segments()), (2, 1));
    }

    #[test]
    fn blank_oversized_and_unknown_fields_are_refused() {
        assert!(sms(" ", false).validate().is_err());
        assert!(
            sms(&"a".repeat(MAX_TEMPLATE + 1), false)
                .validate()
                .is_err()
        );
        assert!(sms("{{ nope }}", true).validate().is_err());
        assert!(sms("Chào {{ name }}", false).validate().is_ok());
    }

    #[test]
    fn fold_defaults_to_off_in_stored_content() {
        let m: SmsMessage =
            serde_json::from_str(r#"{"text": "x"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert!(!m.fold_diacritics);
    }
}
