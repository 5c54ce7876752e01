//! A shop's ZNS templates as Zalo registered them: `GET {base}/template/all` lists them
//! (id, name, status) and `GET {base}/template/info/v2?template_id=` gives each one's
//! parameters (name, required, type, length bounds), both with the shop's access token.
//!
//! Answers are kept per shop for [`KEEP_FOR`]: a merchant browsing templates, or saving a
//! campaign after looking at them, asks Zalo once, and one shop's browsing never spends
//! another's calls. A campaign's ZNS parameters are checked against its template when
//! Zalo knows the template ([`ZnsTemplates::check_content`]); when it cannot be asked (no
//! OA, Zalo down) the campaign is saved unchecked, as before, and Zalo's own refusal
//! (-112) still reaches the report.
use super::account::{self, Refresh, Token};
use super::content::ZnsMessage;
use super::{ShopToken, TOKEN_INVALID, shop_token};
use crate::messaging::Content;
use crate::messaging::template::{Vars, off_thread, render};
use crate::secrets::Secret;
use crate::{Ctx, DomainError, Result};
use futures::future::join_all;
use moka::sync::Cache;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// How long a shop's templates are kept before Zalo is asked again.
pub const KEEP_FOR: Duration = Duration::from_secs(300);

/// Most templates listed (one page of Zalo's list, its largest).
pub const MAX_TEMPLATES: usize = 100;

/// Template infos fetched at once for one listing.
const INFO_CONCURRENCY: usize = 4;

/// Zalo's "template id is invalid": the template is not the shop's.
const TEMPLATE_INVALID: i64 = -109;

/// One parameter of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateParam {
    /// Its key in `template_data`.
    pub name: String,
    /// Whether a message must give it.
    pub required: bool,
    /// Zalo's type (`STRING`, `NUMBER`, `DATE`, …).
    pub kind: String,
    /// Fewest characters, when Zalo says.
    pub min_length: Option<i64>,
    /// Most characters, when Zalo says.
    pub max_length: Option<i64>,
    /// Whether an empty value is accepted.
    pub accept_null: bool,
}

/// A template registered at Zalo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its id, as a campaign names it.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Zalo's status: `ENABLE`, `PENDING_REVIEW`, `REJECT`, `DISABLE`.
    pub status: String,
    /// Its parameters, in Zalo's order.
    pub params: Vec<TemplateParam>,
}

/// Zalo's answers, kept per shop (see [`KEEP_FOR`]).
pub struct ZnsTemplates {
    client: reqwest::Client,
    base: String,
    default_token: Option<Secret>,
    lists: Cache<Uuid, Arc<Vec<Template>>>,
    /// One template's info by shop and id; `None`: Zalo does not know it for the shop.
    infos: Cache<(Uuid, String), Option<Arc<Template>>>,
}

impl std::fmt::Debug for ZnsTemplates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZnsTemplates")
            .field("base", &self.base)
            .finish()
    }
}

impl Default for ZnsTemplates {
    fn default() -> Self {
        Self::new(super::DEFAULT_BASE_URL, None, Duration::from_secs(15))
    }
}

/// Zalo's reply envelope.
#[derive(Deserialize)]
struct Reply<T> {
    error: i64,
    #[serde(default)]
    message: String,
    data: Option<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    template_id: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Info {
    template_id: serde_json::Value,
    #[serde(default)]
    template_name: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    list_params: Vec<InfoParam>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InfoParam {
    name: String,
    #[serde(default)]
    require: bool,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    min_length: Option<serde_json::Value>,
    #[serde(default)]
    max_length: Option<serde_json::Value>,
    #[serde(default)]
    accept_null: bool,
}

/// Zalo writes ids and numbers both as numbers and as strings.
fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn number_of(v: &serde_json::Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

impl From<Info> for Template {
    fn from(i: Info) -> Self {
        Self {
            id: text_of(&i.template_id),
            name: i.template_name,
            status: i.status,
            params: i
                .list_params
                .into_iter()
                .map(|p| TemplateParam {
                    name: p.name,
                    required: p.require,
                    kind: p.kind,
                    min_length: p.min_length.as_ref().and_then(number_of),
                    max_length: p.max_length.as_ref().and_then(number_of),
                    accept_null: p.accept_null,
                })
                .collect(),
        }
    }
}

/// A call's outcome before the token's refusal is handled.
enum Called<T> {
    Data(T),
    /// Zalo answered this error code.
    Refused(i64, String),
}

fn provider(code: impl Into<String>, message: impl Into<String>) -> DomainError {
    DomainError::Provider {
        code: code.into(),
        message: message.into(),
        retryable: true,
    }
}

impl ZnsTemplates {
    /// A client of Zalo's business API at `base_url`, with the operator's
    /// `default_token` for shops without an OA of their own.
    pub fn new(base_url: &str, default_token: Option<&str>, timeout: Duration) -> Self {
        Self {
            // Building fails only without a TLS backend, which this build always has.
            client: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .unwrap_or_default(),
            base: base_url.trim_end_matches('/').to_owned(),
            default_token: default_token.map(Secret::new),
            lists: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(KEEP_FOR)
                .build(),
            infos: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(KEEP_FOR)
                .build(),
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        token: &Secret,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Called<T>> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("access_token", token.expose())
            .query(query)
            .send()
            .await
            .map_err(|e| provider("TRANSPORT", e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(provider(
                format!("HTTP_{}", status.as_u16()),
                status.to_string(),
            ));
        }
        let reply: Reply<T> = response
            .json()
            .await
            .map_err(|e| provider("BAD_REPLY", e.without_url().to_string()))?;
        match (reply.error, reply.data) {
            (0, Some(data)) => Ok(Called::Data(data)),
            (0, None) => Err(provider("BAD_REPLY", "Zalo's answer had no data")),
            (code, _) => Ok(Called::Refused(code, reply.message)),
        }
    }

    /// Calls Zalo as the shop; a token Zalo refuses (-124) is refreshed once and the
    /// call made again.
    async fn as_shop<T: serde::de::DeserializeOwned>(
        &self,
        ctx: &Ctx,
        shop_id: Uuid,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Called<T>> {
        let token =
            match shop_token(ctx, &ctx.zalo_oauth, self.default_token.as_ref(), shop_id).await? {
                ShopToken::Unavailable(reason) => return Err(DomainError::Conflict(reason)),
                ShopToken::Operator(access) => Token { access, version: 0 },
                ShopToken::Own(token) => token,
            };
        match self.get(&token.access, path, query).await? {
            Called::Refused(TOKEN_INVALID, _) if token.version > 0 => {
                match account::refresh(ctx, &ctx.zalo_oauth, shop_id, token.version).await? {
                    Ok(fresh) => self.get(&fresh.access, path, query).await,
                    Err(Refresh::Stopped(reason)) => Err(DomainError::Conflict(reason)),
                    Err(Refresh::Later(why)) => Err(provider("REFRESH", why)),
                }
            }
            other => Ok(other),
        }
    }

    /// The shop's template `id` with its parameters; `None` when Zalo does not know it
    /// for the shop.
    pub async fn template(
        &self,
        ctx: &Ctx,
        shop_id: Uuid,
        id: &str,
    ) -> Result<Option<Arc<Template>>> {
        let key = (shop_id, id.to_owned());
        if let Some(known) = self.infos.get(&key) {
            return Ok(known);
        }
        let info = match self
            .as_shop::<Info>(ctx, shop_id, "/template/info/v2", &[("template_id", id)])
            .await?
        {
            Called::Data(info) => Some(Arc::new(Template::from(info))),
            Called::Refused(TEMPLATE_INVALID, _) => None,
            Called::Refused(code, message) => {
                return Err(DomainError::Provider {
                    code: code.to_string(),
                    message,
                    retryable: false,
                });
            }
        };
        self.infos.insert(key, info.clone());
        Ok(info)
    }

    /// The shop's templates (at most [`MAX_TEMPLATES`]) with their parameters, as Zalo
    /// lists them. Without a usable OA (and no operator token): `Conflict` with the
    /// reason; Zalo's refusal or silence: `Provider`.
    pub async fn list(&self, ctx: &Ctx, shop_id: Uuid) -> Result<Arc<Vec<Template>>> {
        if let Some(known) = self.lists.get(&shop_id) {
            return Ok(known);
        }
        let limit = MAX_TEMPLATES.to_string();
        let listed = match self
            .as_shop::<Vec<Listed>>(
                ctx,
                shop_id,
                "/template/all",
                &[("offset", "0"), ("limit", &limit)],
            )
            .await?
        {
            Called::Data(listed) => listed,
            Called::Refused(code, message) => {
                return Err(DomainError::Provider {
                    code: code.to_string(),
                    message,
                    retryable: false,
                });
            }
        };
        let ids: Vec<String> = listed
            .iter()
            .take(MAX_TEMPLATES)
            .map(|l| text_of(&l.template_id))
            .collect();
        let mut templates = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(INFO_CONCURRENCY) {
            let infos = join_all(chunk.iter().map(|id| self.template(ctx, shop_id, id))).await;
            for info in infos {
                if let Some(t) = info? {
                    templates.push(Template::clone(&t));
                }
            }
        }
        let templates = Arc::new(templates);
        self.lists.insert(shop_id, templates.clone());
        Ok(templates)
    }

    /// Checks a ZNS campaign's parameters against its template, when Zalo knows the
    /// template: a required parameter missing, a parameter the template lacks, or a
    /// value longer than the template allows once filled in with [`Vars::sample`] is
    /// `InvalidInput` on `zns.params` naming it. Other content, a template Zalo cannot
    /// be asked about, or one it does not know, passes.
    pub async fn check_content(&self, ctx: &Ctx, shop_id: Uuid, content: &Content) -> Result<()> {
        let Content::Zns(ZnsMessage {
            template_id,
            params,
        }) = content
        else {
            return Ok(());
        };
        let template = match self.template(ctx, shop_id, template_id.trim()).await {
            Ok(Some(t)) => t,
            Ok(None) => return Ok(()),
            Err(e) => {
                tracing::info!(%shop_id, reason = %e, "ZNS template not checked: Zalo not asked");
                return Ok(());
            }
        };
        let given: Vec<(String, String)> = params
            .iter()
            .map(|p| (p.key.trim().to_owned(), p.value.clone()))
            .collect();
        off_thread(move || compare(&template, &given)).await?
    }
}

/// The check of [`ZnsTemplates::check_content`]; CPU-bound (renders the values).
fn compare(template: &Template, given: &[(String, String)]) -> Result<()> {
    let id = &template.id;
    for p in template.params.iter().filter(|p| p.required) {
        if !given.iter().any(|(k, _)| *k == p.name) {
            return Err(DomainError::invalid(
                "zns.params",
                format!("template {id} requires parameter '{}'", p.name),
            ));
        }
    }
    for (key, value) in given {
        let Some(p) = template.params.iter().find(|p| p.name == *key) else {
            let names: Vec<&str> = template.params.iter().map(|p| p.name.as_str()).collect();
            return Err(DomainError::invalid(
                "zns.params",
                format!(
                    "'{key}' is not a parameter of template {id} (its parameters: {})",
                    names.join(", ")
                ),
            ));
        };
        if let Some(max) = p.max_length {
            let filled = render(value, &Vars::sample())
                .map_err(|e| DomainError::invalid("zns.params.value", e))?;
            let n = filled.chars().count() as i64;
            if n > max {
                return Err(DomainError::invalid(
                    "zns.params",
                    format!(
                        "parameter '{key}' is {n} characters filled in with sample fields \
                         (\"{filled}\"); template {id} allows at most {max}"
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Template {
        Template {
            id: "231456".into(),
            name: "Tết".into(),
            status: "ENABLE".into(),
            params: vec![
                TemplateParam {
                    name: "customer_name".into(),
                    required: true,
                    kind: "STRING".into(),
                    min_length: Some(1),
                    max_length: Some(10),
                    accept_null: false,
                },
                TemplateParam {
                    name: "code".into(),
                    required: false,
                    kind: "STRING".into(),
                    min_length: None,
                    max_length: None,
                    accept_null: true,
                },
            ],
        }
    }

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn refused(pairs: &[(&str, &str)]) -> String {
        match compare(&template(), &given(pairs)) {
            Err(DomainError::InvalidInput { message, .. }) => message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_the_missing_the_unknown_and_the_too_long() {
        assert!(compare(&template(), &given(&[("customer_name", "{{ tier }}")])).is_ok());
        assert!(refused(&[("code", "x")]).contains("requires parameter 'customer_name'"));
        assert!(
            refused(&[("customer_name", "x"), ("nope", "y")])
                .contains("'nope' is not a parameter of template 231456")
        );
        // "Nguyễn Văn An" is 13 characters, over the template's 10.
        let long = refused(&[("customer_name", "{{ name }}")]);
        assert!(long.contains("'customer_name' is 13 characters"), "{long}");
        assert!(long.contains("at most 10"), "{long}");
    }

    #[test]
    fn reads_zalos_info_with_numbers_as_strings() {
        let raw = serde_json::json!({"templateId": 231456, "templateName": "Tết",
            "status": "ENABLE", "listParams": [{"name": "customer_name", "require": true,
            "type": "STRING", "maxLength": "30", "minLength": 1, "acceptNull": false}]});
        let info: Info = serde_json::from_value(raw).unwrap_or_else(|e| panic!("{e}"));
        let t = Template::from(info);
        assert_eq!(t.id, "231456");
        assert_eq!(t.params[0].max_length, Some(30));
        assert!(t.params[0].required);
    }
}
