//! A ZNS message: a template registered at Zalo and its parameters.
use crate::messaging::content::check_text;
use crate::messaging::spec::{Billable, ChannelContent};
use crate::messaging::template::{Vars, render};
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

/// A registered ZNS template and its parameters, as the merchant wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZnsMessage {
    /// The template's id at Zalo.
    pub template_id: String,
    /// Its parameters.
    pub params: Vec<Param>,
}

/// A ZNS message filled in: template id and `template_data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZnsFilled {
    /// The template's id.
    pub template_id: String,
    /// Parameter values.
    pub data: BTreeMap<String, String>,
}

/// Zalo bills a template message as one, whatever its length.
impl Billable for ZnsFilled {}

impl ChannelContent for ZnsMessage {
    type Rendered = ZnsFilled;

    fn validate(&self) -> Result<()> {
        let id = self.template_id.trim();
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(DomainError::invalid(
                "zns.templateId",
                "a ZNS template id is 1 to 64 letters or digits",
            ));
        }
        if self.params.is_empty() || self.params.len() > 50 {
            return Err(DomainError::invalid(
                "zns.params",
                "a ZNS message has 1 to 50 parameters (Zalo refuses empty template data)",
            ));
        }
        let mut keys: Vec<&str> = Vec::with_capacity(self.params.len());
        for p in &self.params {
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

    fn render(&self, vars: &Vars) -> Result<ZnsFilled, String> {
        Ok(ZnsFilled {
            template_id: self.template_id.trim().to_owned(),
            data: self
                .params
                .iter()
                .map(|p| Ok((p.key.trim().to_owned(), render(&p.value, vars)?)))
                .collect::<Result<_, String>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zns(params: Vec<(&str, &str)>) -> ZnsMessage {
        ZnsMessage {
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
        let Ok(ZnsFilled { data, .. }) = c.render(&Vars::sample()) else {
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
    }
}
