//! Opens the audit scope of each mutation (see `loyalty_domain::audit`): who calls, the
//! mutation's name, its arguments without secrets or personal data, the ids they name and
//! the request id. The service the mutation calls writes the row in its own transaction.
//!
//! Only mutation requests of shop keys and the operator run on the schema with this
//! extension (see `http::execute`): an extension wraps every field's resolution, a cost
//! queries need not pay (see `input_guard`).
use crate::auth::Caller;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{ServerResult, Value, Variables};
use loyalty_domain::Ctx;
use loyalty_domain::access::Role;
use loyalty_domain::audit::{self, Actor, Scope, summary};
use std::sync::Arc;

/// What a mutation request carries for its audit rows, attached by `http::execute`.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    /// The request's variables, to read arguments given as `$variables`.
    pub variables: Variables,
    /// Its `x-request-id`.
    pub request_id: Option<String>,
}

/// The extension opening a [`Scope`] around each root mutation field.
pub struct AuditScope;

impl ExtensionFactory for AuditScope {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AuditScopeExtension)
    }
}

struct AuditScopeExtension;

/// Who is making the change; none for callers whose changes are not audited (a READ key
/// makes none, a member token's `redeemMyReward` is the member's own).
fn actor(caller: Option<&Caller>) -> Option<Actor> {
    match caller? {
        Caller::Operator => Some(Actor::Operator),
        Caller::Shop(p) if p.role.allows(Role::Channel) => Some(Actor::Key(p.key_id)),
        _ => None,
    }
}

/// The arguments of the field, variables substituted, as JSON.
fn arguments(info: &ResolveInfo<'_>, variables: Option<&Variables>) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for (name, value) in &info.field.arguments {
        let value = value
            .node
            .clone()
            .into_const_with(|var| variables.and_then(|v| v.get(&var)).cloned().ok_or(()))
            .unwrap_or(Value::Null);
        let json = value.into_json().unwrap_or(serde_json::Value::Null);
        out.insert(name.node.to_string(), json);
    }
    serde_json::Value::Object(out)
}

#[async_graphql::async_trait::async_trait]
impl Extension for AuditScopeExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let Some(actor) = (info.parent_type == "Mutation")
            .then(|| actor(ctx.data_opt::<Caller>()))
            .flatten()
        else {
            return next.run(ctx, info).await;
        };
        let request = ctx.data_opt::<AuditRequest>();
        let input = arguments(&info, request.map(|r| &r.variables));
        let at = ctx
            .data_opt::<Ctx>()
            .map(|d| d.clock.now())
            .unwrap_or_else(chrono::Utc::now);
        let scope = Scope {
            actor,
            action: info.name.to_owned(),
            targets: summary::named_ids(&input),
            summary: summary::redact(input),
            request_id: request.and_then(|r| r.request_id.clone()),
            at,
        };
        audit::within(scope, next.run(ctx, info)).await
    }
}
