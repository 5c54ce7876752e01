//! An e-mail: subject, text body and optionally an HTML body, each a template.
use crate::Result;
use crate::messaging::content::{MAX_TEXT, check_text, check_text_with};
use crate::messaging::spec::{Billable, ChannelContent};
use crate::messaging::template::{Vars, render, render_html};
use serde::{Deserialize, Serialize};

/// An e-mail as the merchant wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailMessage {
    /// Subject template.
    pub subject: String,
    /// Plain-text body template (the text part).
    pub body: String,
    /// HTML body template (the HTML part; member fields escaped). Without it the HTML
    /// part is the text part, escaped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

/// An e-mail filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailFilled {
    /// Subject.
    pub subject: String,
    /// The text part.
    pub body: String,
    /// The HTML part.
    pub html: String,
}

/// An e-mail costs one price whatever its length.
impl Billable for EmailFilled {}

impl ChannelContent for EmailMessage {
    type Rendered = EmailFilled;

    fn validate(&self) -> Result<()> {
        check_text("email.subject", &self.subject, 300)?;
        check_text("email.body", &self.body, MAX_TEXT)?;
        match &self.html {
            Some(html) => check_text_with("email.html", html, MAX_TEXT, render_html),
            None => Ok(()),
        }
    }

    fn render(&self, vars: &Vars) -> Result<EmailFilled, String> {
        let body = render(&self.body, vars)?;
        let html = match &self.html {
            Some(h) => render_html(h, vars)?,
            None => super::text_as_html(&body),
        };
        Ok(EmailFilled {
            subject: render(&self.subject, vars)?,
            body,
            html,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_subject_is_refused() {
        let e = EmailMessage {
            subject: " ".into(),
            body: "x".into(),
            html: None,
        };
        assert!(e.validate().is_err());
    }
}
