//! What a campaign sends: per channel, the message before and after filling in a member.
use super::ChannelKind;
use super::template::{Vars, off_thread, render, render_html};
use crate::{DomainError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One ZNS template parameter: its key in the template and a template for its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    /// The parameter's name in the ZNS template.
    pub key: String,
    /// Its value, a template over member fields (`{{ name }}`).
    pub value: String,
}

/// A message as the merchant wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Content {
    /// A registered ZNS template and its parameters.
    Template {
        /// The template's id at Zalo.
        template_id: String,
        /// Its parameters.
        params: Vec<Param>,
    },
    /// An e-mail.
    Email {
        /// Subject template.
        subject: String,
        /// Plain-text body template (the text part).
        body: String,
        /// HTML body template (the HTML part; member fields escaped). Without it the
        /// HTML part is the text part, escaped.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        html: Option<String>,
    },
}

/// A message filled in for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    /// ZNS: template id and `template_data`.
    Template {
        /// The template's id.
        template_id: String,
        /// Parameter values.
        data: BTreeMap<String, String>,
    },
    /// E-mail subject and body.
    Email {
        /// Subject.
        subject: String,
        /// The text part.
        body: String,
        /// The HTML part.
        html: String,
    },
}

impl Rendered {
    /// How many billable units the provider counts for this message: one per ZNS message
    /// and per e-mail. A channel priced by length (SMS: 160 GSM-7 or 70 UCS-2 characters
    /// a segment) answers its own count here; the price of a message is this times the
    /// channel's price (`Prices`).
    pub fn segments(&self) -> i64 {
        match self {
            Self::Template { .. } | Self::Email { .. } => 1,
        }
    }
}

const MAX_TEXT: usize = 20_000;

fn check_text(field: &str, value: &str, max: usize) -> Result<()> {
    check_text_with(field, value, max, render)
}

fn check_text_with(
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

impl Content {
    /// The channel this content is for.
    pub fn channel(&self) -> ChannelKind {
        match self {
            Self::Template { .. } => ChannelKind::Zns,
            Self::Email { .. } => ChannelKind::Email,
        }
    }

    /// Refuses empty, oversized or unrenderable content: every template is rendered
    /// with [`Vars::sample`] within the template limits. CPU-bound; async code calls
    /// [`Content::check`].
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::Template {
                template_id,
                params,
            } => {
                let id = template_id.trim();
                if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    return Err(DomainError::invalid(
                        "zns.templateId",
                        "a ZNS template id is 1 to 64 letters or digits",
                    ));
                }
                if params.is_empty() || params.len() > 50 {
                    return Err(DomainError::invalid(
                        "zns.params",
                        "a ZNS message has 1 to 50 parameters (Zalo refuses empty template data)",
                    ));
                }
                let mut keys: Vec<&str> = Vec::with_capacity(params.len());
                for p in params {
                    let key = p.key.trim();
                    if key.is_empty()
                        || key.len() > 64
                        || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        return Err(DomainError::invalid(
                            "zns.params.key",
                            format!("'{}' is not a template parameter name", p.key),
                        ));
                    }
                    if keys.contains(&key) {
                        return Err(DomainError::invalid(
                            "zns.params.key",
                            format!("parameter '{key}' is given twice"),
                        ));
                    }
                    keys.push(key);
                    check_text("zns.params.value", &p.value, 400)?;
                }
                Ok(())
            }
            Self::Email {
                subject,
                body,
                html,
            } => {
                check_text("email.subject", subject, 300)?;
                check_text("email.body", body, MAX_TEXT)?;
                match html {
                    Some(html) => check_text_with("email.html", html, MAX_TEXT, render_html),
                    None => Ok(()),
                }
            }
        }
    }

    /// [`Content::validate`] on a render thread (see [`off_thread`]).
    pub async fn check(&self) -> Result<()> {
        let content = self.clone();
        off_thread(move || content.validate()).await?
    }

    /// Fills in `vars`; an error names what failed. CPU-bound like [`render`].
    pub fn render(&self, vars: &Vars) -> Result<Rendered, String> {
        Ok(match self {
            Self::Template {
                template_id,
                params,
            } => Rendered::Template {
                template_id: template_id.trim().to_owned(),
                data: params
                    .iter()
                    .map(|p| Ok((p.key.trim().to_owned(), render(&p.value, vars)?)))
                    .collect::<Result<_, String>>()?,
            },
            Self::Email {
                subject,
                body,
                html,
            } => {
                let body = render(body, vars)?;
                let html = match html {
                    Some(h) => render_html(h, vars)?,
                    None => super::smtp::text_as_html(&body),
                };
                Rendered::Email {
                    subject: render(subject, vars)?,
                    body,
                    html,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zns(params: Vec<(&str, &str)>) -> Content {
        Content::Template {
            template_id: "231456".into(),
            params: params
                .into_iter()
                .map(|(k, v)| Param {
                    key: k.into(),
                    value: v.into(),
                })
                .collect(),
        }
    }

    #[test]
    fn zns_parameters_are_filled_per_member() {
        let c = zns(vec![
            ("customer_name", "{{ name }}"),
            ("code", "{{ voucher_code }}"),
        ]);
        assert!(c.validate().is_ok());
        let Ok(Rendered::Template { data, .. }) = c.render(&Vars::sample()) else {
            panic!("not rendered");
        };
        assert_eq!(data["customer_name"], "Nguyễn Văn An");
        assert_eq!(data["code"], "ABCD2345EFGH");
    }

    #[test]
    fn refuses_empty_duplicate_and_unknown() {
        assert!(zns(vec![]).validate().is_err());
        assert!(zns(vec![("a", "x"), ("a", "y")]).validate().is_err());
        assert!(zns(vec![("a", "{{ nope }}")]).validate().is_err());
        let e = Content::Email {
            subject: " ".into(),
            body: "x".into(),
            html: None,
        };
        assert!(e.validate().is_err());
    }

    #[tokio::test]
    async fn over_budget_templates_are_refused_naming_their_field() {
        let e = Content::Email {
            subject: "Hi {{ name }}".into(),
            body:
                "{% for i in range(100000) %}{% for j in range(100000) %}.{% endfor %}{% endfor %}"
                    .into(),
            html: None,
        };
        match e.check().await {
            Err(DomainError::InvalidInput { field, .. }) => {
                assert_eq!(field.as_deref(), Some("email.body"));
            }
            other => panic!("{other:?}"),
        }
    }
}
