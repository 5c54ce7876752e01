//! Message templates: Jinja syntax (`Xin chào {{ name }}`) over a member's fields.
//! Unknown names are errors, caught when the campaign is saved rather than when a
//! thousand messages go out with a blank where the name should be.
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

/// The fields a template may use.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Vars {
    /// The member's full name (empty when unknown).
    pub name: String,
    /// Phone in international form, without `+`.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Current tier's name.
    pub tier: String,
    /// Available reward points, as last cached.
    pub points: i64,
    /// The voucher code issued with this message (empty without an offer).
    pub voucher_code: String,
    /// The voucher's last day, `YYYY-MM-DD` (empty when it does not expire).
    pub voucher_expires: String,
    /// The shop's name.
    pub shop: String,
}

impl Vars {
    /// Values that exercise every field, for checking a template when it is saved.
    pub fn sample() -> Self {
        Self {
            name: "Nguyễn Văn An".into(),
            phone: "84912345678".into(),
            email: "an@example.com".into(),
            tier: "Gold".into(),
            points: 1200,
            voucher_code: "ABCD2345EFGH".into(),
            voucher_expires: "2026-12-31".into(),
            shop: "Cửa hàng An".into(),
        }
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

/// Renders `source` with `vars`; the error is in words for the merchant.
pub fn render(source: &str, vars: &Vars) -> Result<String, String> {
    environment()
        .render_str(source, minijinja::value::Serde(vars))
        .map_err(|e| match e.detail() {
            Some(detail) => format!("{}: {detail}", e.kind()),
            None => e.kind().to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_member_fields() {
        let out = render("Chào {{ name }}, mã {{ voucher_code }}", &Vars::sample());
        assert_eq!(out.as_deref(), Ok("Chào Nguyễn Văn An, mã ABCD2345EFGH"));
    }

    #[test]
    fn refuses_unknown_fields_and_bad_syntax() {
        assert!(render("{{ nmae }}", &Vars::sample()).is_err());
        assert!(render("{{ name ", &Vars::sample()).is_err());
    }
}
