//! What campaigns send: [`Content`] and [`Rendered`] (declared in [`super::registry`],
//! one variant per channel, each channel's types in its own module), and the checks every
//! channel's content shares.
use super::template::{Vars, render};
use crate::{DomainError, Result};

pub use super::registry::{Content, Rendered};

/// Longest body template (an e-mail's), characters.
pub const MAX_TEXT: usize = 20_000;

/// Refuses `value` (a template named `field`) when blank, over `max` characters, or not
/// renderable with [`Vars::sample`].
pub fn check_text(field: &str, value: &str, max: usize) -> Result<()> {
    check_text_with(field, value, max, render)
}

/// [`check_text`] with another renderer (HTML).
pub fn check_text_with(
    field: &str,
    value: &str,
    max: usize,
    render: fn(&str, &Vars) -> Result<String, String>,
) -> Result<()> {
    if value.trim().is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    render(value, &Vars::sample()).map_err(|e| DomainError::invalid(field, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::smtp::content::EmailMessage;
    use crate::messaging::zns::content::{Param, ZnsMessage};
    use serde_json::json;

    #[test]
    fn stored_content_keeps_its_spelling() {
        // Campaigns stored before the channels moved to their own modules read back.
        let zns: Content = serde_json::from_value(json!({"kind": "Template",
            "template_id": "231456", "params": [{"key": "a", "value": "{{ name }}"}]}))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            zns,
            Content::Zns(ZnsMessage {
                template_id: "231456".into(),
                params: vec![Param {
                    key: "a".into(),
                    value: "{{ name }}".into()
                }],
            })
        );
        let email = Content::Email(EmailMessage {
            subject: "s".into(),
            body: "b".into(),
            html: None,
        });
        assert_eq!(
            serde_json::to_value(&email).ok(),
            Some(json!({"kind": "Email", "subject": "s", "body": "b"}))
        );
    }

    #[tokio::test]
    async fn over_budget_templates_are_refused_naming_their_field() {
        let e = Content::Email(EmailMessage {
            subject: "Hi {{ name }}".into(),
            body:
                "{% for i in range(100000) %}{% for j in range(100000) %}.{% endfor %}{% endfor %}"
                    .into(),
            html: None,
        });
        match e.check().await {
            Err(DomainError::InvalidInput { field, .. }) => {
                assert_eq!(field.as_deref(), Some("email.body"));
            }
            other => panic!("{other:?}"),
        }
    }
}
