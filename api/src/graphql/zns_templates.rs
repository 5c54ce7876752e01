//! The shop's ZNS templates as Zalo registered them, with their parameters: what a ZNS
//! campaign's `templateId` and `params` must match.
use crate::auth::{RoleGuard, domain, principal};
use crate::error::Gql;
use crate::graphql::cost;
use crate::graphql::scalars::Int32;
use async_graphql::{Context, Object, SimpleObject};
use loyalty_domain::access::Role;
use loyalty_domain::messaging::zns::templates::{self, Template, TemplateParam};

/// One parameter of a ZNS template.
#[derive(SimpleObject)]
pub struct ZnsTemplateParam {
    /// Its key in a campaign's `zns.params`.
    name: String,
    /// Whether every message must give it.
    required: bool,
    /// Zalo's type: `STRING`, `NUMBER`, `DATE`, …
    r#type: String,
    /// Fewest characters, when Zalo says.
    min_length: Option<Int32>,
    /// Most characters, when Zalo says: a campaign whose value (filled in with sample
    /// fields) is longer is refused.
    max_length: Option<Int32>,
    /// Whether an empty value is accepted.
    accept_null: bool,
}

impl From<&TemplateParam> for ZnsTemplateParam {
    fn from(p: &TemplateParam) -> Self {
        Self {
            name: p.name.clone(),
            required: p.required,
            r#type: p.kind.clone(),
            min_length: p.min_length.map(Into::into),
            max_length: p.max_length.map(Into::into),
            accept_null: p.accept_null,
        }
    }
}

/// A ZNS template registered at Zalo for the shop's OA.
#[derive(SimpleObject)]
pub struct ZnsTemplate {
    /// Its id, a campaign's `zns.templateId`.
    id: String,
    /// Its name.
    name: String,
    /// Zalo's status: `ENABLE` (sendable), `PENDING_REVIEW`, `REJECT`, `DISABLE`.
    status: String,
    /// Its parameters.
    params: Vec<ZnsTemplateParam>,
}

impl From<&Template> for ZnsTemplate {
    fn from(t: &Template) -> Self {
        Self {
            id: t.id.clone(),
            name: t.name.clone(),
            status: t.status.clone(),
            params: t.params.iter().map(Into::into).collect(),
        }
    }
}

/// Reading the shop's ZNS templates.
#[derive(Default)]
pub struct ZnsTemplateQuery;

#[Object]
impl ZnsTemplateQuery {
    /// The shop's ZNS templates (at most 100) from Zalo's template list and template
    /// info, through the shop's OA (or the operator's token); kept five minutes per
    /// shop. No usable OA: `CONFLICT` with the reason; Zalo refusing or unreachable:
    /// `CONFLICT`, `reason: PROVIDER_ERROR`, `providerCode`.
    ///
    /// Requires: ADMIN.
    #[graphql(
        guard = "RoleGuard(Role::Admin)",
        complexity = "cost::PER_ITEM_QUERY + templates::MAX_TEMPLATES * child_complexity"
    )]
    async fn zns_templates(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ZnsTemplate>> {
        let _turn = cost::turn(ctx).await;
        let shop_id = principal(ctx)?.shop_id;
        let d = domain(ctx);
        let list = d.zns_templates.list(d, shop_id).await.gql()?;
        Ok(list.iter().map(Into::into).collect())
    }
}
